"""Production settings, checked the way they run: in a fresh process with production environment
variables (DEBUG off, a real secret, the hosts, an https SITE_URL)."""

import json
import logging
import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.urls import reverse

from config.logging import JsonFormatter, RequestIdFilter, request_id_var

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        # The parent's test settings and secrets do not leak into the production process.
        if key not in {"DEBUG", "TESTING", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_SETTINGS_MODULE"}
        # tests/conftest.py sets this for Playwright; a deployment never does.
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
        and not key.startswith(("GITHUB_", "PYTEST_"))
    }
    env.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="roadmap.example.com",
        SITE_URL="https://roadmap.example.com",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(extra)
    return env


def _run(args, **env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_production_env(**env), capture_output=True, text=True, timeout=120
    )


def _production_settings(*names, **env):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = _run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_production_environment():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    result = _run(["manage.py", "check"], **{missing: ""})
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_csp_allows_the_github_login_redirect_only_when_github_is_configured():
    without = _production_settings("CONTENT_SECURITY_POLICY")["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert without["form-action"] == ["'self'"]
    with_github = _production_settings("CONTENT_SECURITY_POLICY", GITHUB_CLIENT_ID="id", GITHUB_CLIENT_SECRET="s")
    directives = with_github["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["form-action"] == ["'self'", "https://github.com"]
    assert directives["script-src"] == ["'self'"]


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """Static files collected as the Docker build does: production pages need the manifest."""
    root = tmp_path_factory.mktemp("static")
    result = _run(["manage.py", "collectstatic", "--noinput", "-v0"], STATIC_ROOT=str(root))
    assert result.returncode == 0, result.stderr
    return root


def test_production_logs_one_json_object_per_line_with_the_request_id(collected_static):
    code = (
        "import django; django.setup(); from django.test import Client; "
        "c = Client(HTTP_HOST='roadmap.example.com'); "
        "c.get('/robots.txt', secure=True, headers={'x-request-id': 'req-42'}); "
        "c.get('/no-such-page/', secure=True, headers={'x-request-id': 'req-404'}); "
        "import logging; logging.getLogger('roadmap').warning('after the request')"
    )
    result = _run(["-c", code], STATIC_ROOT=str(collected_static))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    access = [r for r in records if r["logger"] == "config.request"]
    assert len(access) == 2
    assert access[0]["request_id"] == "req-42"
    assert access[0]["path"] == "/robots.txt"
    assert access[0]["status"] == 200
    assert access[0]["method"] == "GET"
    assert isinstance(access[0]["duration_ms"], float)
    assert access[0]["level"] == "INFO"
    # Every record made while a request is handled carries its id, Django's own included.
    not_found = [r for r in records if r["logger"] == "django.request"]
    assert [(r["level"], r["request_id"]) for r in not_found] == [("WARNING", "req-404")]
    assert (access[1]["request_id"], access[1]["status"]) == ("req-404", 404)
    assert records[-1]["message"] == "after the request"
    # Outside a request, a record says so rather than reusing the last request's id.
    assert records[-1]["request_id"] == "-"


@pytest.fixture
def captured_logs():
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("config.request")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(previous)


def _lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_request_id_from_the_proxy_is_kept_in_the_header_and_the_log(client, db, captured_logs):
    response = client.get(reverse("robots_txt"), headers={"x-request-id": "abc-123.7"})
    assert response["X-Request-ID"] == "abc-123.7"
    assert [r["request_id"] for r in _lines(captured_logs)] == ["abc-123.7"]


@pytest.mark.parametrize("incoming", [None, "", "has space", "x" * 129, 'quote"injection', "new\nline"])
def test_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, db, captured_logs, incoming):
    headers = {"x-request-id": incoming} if incoming is not None else {}
    response = client.get(reverse("robots_txt"), headers=headers)
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert request_id != incoming
    assert int(request_id, 16) >= 0
    assert [r["request_id"] for r in _lines(captured_logs)] == [request_id]
    assert request_id_var.get() == "-"


def test_json_formatter_keeps_extra_fields_and_tracebacks_on_one_line():
    record = logging.getLogger("x").makeRecord(
        "x", logging.ERROR, __file__, 1, "failed %s", ("twice",), None, extra={"user_id": 7}
    )
    try:
        raise ValueError("boom")
    except ValueError:
        import sys as _sys

        record.exc_info = _sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed twice"
    assert entry["user_id"] == 7
    assert entry["level"] == "ERROR"
    assert "ValueError: boom" in entry["exc_info"]


def test_the_cache_and_the_broker_live_apart_from_one_redis_url():
    """A cache.clear() (FLUSHDB on the cache's database) never reaches the broker's queue."""
    values = _production_settings("CACHES", "CELERY_BROKER_URL", REDIS_URL="redis://redis.internal:6379/2")
    assert values["CELERY_BROKER_URL"] == "redis://redis.internal:6379/2"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://redis.internal:6379/3"
    split = _production_settings(
        "CACHES", "CELERY_BROKER_URL", CACHE_URL="redis://cache:6379/0", CELERY_BROKER_URL="redis://broker:6379/0"
    )
    assert split["CELERY_BROKER_URL"] == "redis://broker:6379/0"
    assert split["CACHES"]["default"]["LOCATION"] == "redis://cache:6379/0"
