# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test install install-dev migrate load lint format check superuser worker beat bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

load: migrate
	$(PY) manage.py load_roadmap

## Serve the site on http://$(HOST):$(PORT) with SQLite and no other service.
run: load
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	PORT=$(PORT) $(PY) manage.py runserver $(HOST):$(PORT)

# axe-core for the accessibility tests, from package-lock.json. Without npm those tests skip locally
# (and fail in CI, where .ci/run makes sure npm is there).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the accessibility tests will be skipped"; fi

## Run the whole test suite (uses DATABASE_URL / REDIS_URL when set), one process per core (at most 8;
## TEST_WORKERS=0 runs it in this process).
TEST_WORKERS ?= auto
test: install-dev node_modules/.package-lock.json
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 8 $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## An admin account that can sign in at once (its email address verified).
superuser: migrate
	$(PY) manage.py create_admin

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

## HTTP benchmark: gunicorn + PostgreSQL + Redis + seed_demo data under wrk, against a bare Django view.
bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) bench/http.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
