"""The production shape in docker-compose.yml and the Dockerfile refers only to things that exist.

No Docker engine runs here, so these tests read the files: every command names a module, a Celery
app or a manage.py command that the project has, and every variable handed to the app is one the
settings read.
"""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()
# Variables that are read by the images or tools, not by Django's settings.
NON_SETTINGS_VARIABLES = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "WEB_CONCURRENCY"}
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def _settings_variables() -> set[str]:
    return set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', SETTINGS_SOURCE))


def _command(service) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def _manage_py_commands(argv: list[str]) -> list[str]:
    """The manage.py subcommands a (possibly `sh -c "a && b"`) command runs."""
    if argv[:2] == ["sh", "-c"]:
        parts = re.split(r"\s*&&\s*", argv[2])
        return [shlex.split(part)[2] for part in parts if shlex.split(part)[:2] == ["python", "manage.py"]]
    return [argv[2]] if argv[:2] == ["python", "manage.py"] else []


def test_the_production_shape_has_every_role(services):
    assert set(services) == {"postgres", "broker", "cache", "migrate", "web", "worker", "beat"}


def test_postgres_keeps_its_data_in_a_volume_and_reports_health(compose, services):
    postgres = services["postgres"]
    volume = postgres["volumes"][0].split(":")
    assert volume[1] == "/var/lib/postgresql/data"
    assert volume[0] in compose["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def _redis_option(service, name):
    command = _command(service)
    assert command[0] == "redis-server"
    return command[command.index(name) + 1] if name in command else None


def test_the_broker_never_evicts_and_the_cache_evicts_within_a_memory_limit(compose, services):
    assert _redis_option(services["broker"], "--maxmemory-policy") == "noeviction"
    assert _redis_option(services["broker"], "--appendonly") == "yes"
    assert services["broker"]["volumes"][0].split(":")[0] in compose["volumes"]
    assert _redis_option(services["cache"], "--maxmemory-policy") == "allkeys-lru"
    assert _redis_option(services["cache"], "--maxmemory").endswith("mb")
    assert "volumes" not in services["cache"]
    for name in ("broker", "cache"):
        assert "redis-cli" in services[name]["healthcheck"]["test"]


def test_migrations_run_once_before_the_app_starts(services):
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert _manage_py_commands(_command(migrate))[0] == "migrate"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert "migrate" not in " ".join(_command(services[name])), name


def test_every_manage_py_command_exists(services):
    commands = get_commands()
    named = [
        command
        for service in services.values()
        if "command" in service
        for command in _manage_py_commands(_command(service))
    ]
    assert named == ["migrate", "load_roadmap"]
    for command in named:
        assert command in commands, command


def test_web_runs_gunicorn_on_the_projects_wsgi_application(services):
    command = _command(services["web"])
    assert command[0] == "gunicorn"
    module_name, attribute = command[1].split(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute))
    assert "--bind=0.0.0.0:8000" in command
    assert services["web"]["ports"] == ["8000:8000"]
    # The health check asks /healthz, which exists.
    from django.urls import resolve

    assert "/healthz" in services["web"]["healthcheck"]["test"][-1]
    assert resolve("/healthz").url_name == "healthz"


def test_worker_and_beat_run_the_projects_celery_app(services):
    for name, role in (("worker", "worker"), ("beat", "beat")):
        command = _command(services[name])
        assert command[:2] == ["celery", "-A"], name
        app = importlib.import_module(f"{command[2]}.celery").app
        assert app.main == command[2]
        assert command[3] == role


def test_exactly_one_beat(services):
    beats = [name for name, service in services.items() if "command" in service and "beat" in _command(service)[:4]]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_app_services_share_one_image_and_real_services(services):
    for name in APP_SERVICES:
        service = services[name]
        assert service["image"] == "ai-engineer-roadmap:latest", name
        assert service["env_file"] == ".env", name
        env = service["environment"]
        assert env["DEBUG"] == "False", name
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["CELERY_BROKER_URL"] == "redis://broker:6379/0", name
        assert env["CACHE_URL"] == "redis://cache:6379/0", name
        # The site answers without the cache: nothing waits for it.
        assert "cache" not in service["depends_on"], name


def test_every_variable_given_to_the_app_is_read_by_the_settings(services):
    known = _settings_variables() | NON_SETTINGS_VARIABLES
    for name in APP_SERVICES:
        for variable in services[name]["environment"]:
            assert variable in known, f"{name}: {variable} is read by nothing"


def test_env_example_names_only_variables_the_settings_read():
    names = [
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DEBUG", "DATABASE_URL", "REDIS_URL"} <= set(names)
    unknown = set(names) - _settings_variables()
    assert not unknown, f".env.example sets variables nothing reads: {sorted(unknown)}"


def test_dockerfile_runs_as_a_non_root_user_with_static_collected_at_build():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim$", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")
    assert "collectstatic --noinput" in dockerfile
    assert '"gunicorn", "config.wsgi:application"' in dockerfile


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".venv", "db.sqlite3", "node_modules"):
        assert entry in ignored


def test_gunicorn_logs_json_through_the_projects_formatter():
    import runpy

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logconfig_dict"]
    formatter = config["formatters"]["json"]["()"]
    module, name = formatter.rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module), name))
    assert config["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    assert config["root"]["handlers"] == config["loggers"]["gunicorn.error"]["handlers"] == ["stdout"]
    # gunicorn's access log stays off: the application logs each request with its id.
    assert config["loggers"]["gunicorn.access"]["handlers"] == []
