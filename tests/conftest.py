"""Shared fixtures: users, the real roadmap content, service guards and the browser."""

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from roadmap.loader import DEFAULT_FILE, read_file, roadmap_load
from roadmap.models import TopicProgress
from tests.factories import UserFactory, insert_roadmap

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used
# synchronously there (live_server fixtures, assertions), which is safe in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing(reason):
    """Skip a test whose service is missing, except in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _port_open(url, default_port):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def _own_cache_per_worker():
    """Under pytest-xdist (`-n`), each worker process gets its own Redis database for the cache, so
    that one worker's cache.clear() never empties another's pages and versions mid-test."""
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    location = settings.CACHES["default"].get("LOCATION", "")
    if not (worker.startswith("gw") and str(location).startswith("redis")):
        yield
        return
    parts = urlsplit(location)
    database = 2 + int(worker.removeprefix("gw"))  # 0: the broker, 1: the cache outside tests
    caches = {"default": {**settings.CACHES["default"], "LOCATION": parts._replace(path=f"/{database}").geturl()}}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _fast_and_isolated():
    # Not the `settings` fixture: a test's own setting overrides must be undone before the
    # final cache.clear() below runs (fixtures tear down in reverse order of setup).
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        cache.clear()
        yield
        cache.clear()


@pytest.fixture
def redis_url():
    """The Redis URL to test against; skips (or fails in CI) when Redis is not reachable."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if not _port_open(url, 6379):
        _missing(f"Redis is not reachable at {url}")
    return url


@pytest.fixture
def postgres_required(django_db_blocker):
    from django.db import connection

    if connection.vendor != "postgresql":
        _missing("the test database is not PostgreSQL (set DATABASE_URL)")


@pytest.fixture(scope="session")
def roadmap_data():
    return read_file(DEFAULT_FILE)


@pytest.fixture(scope="session")
def roadmap_rows(django_db_setup, django_db_blocker, roadmap_data):
    """The real roadmap's rows, model by model: loaded from its content file once per test session
    (in a transaction rolled back at once), so that each test that wants them inserts them in bulk
    instead of running the loader again."""
    with django_db_blocker.unblock(), transaction.atomic():
        roadmap_load(data=roadmap_data)
        rows = [
            (model, list(model.objects.order_by("pk").values()))
            for model in apps.get_app_config("roadmap").get_models(include_auto_created=True)
            if model is not TopicProgress
        ]
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def roadmap(db, roadmap_rows):
    """The real AI Engineer roadmap, as its content file loads it."""
    return insert_roadmap(roadmap_rows)


@pytest.fixture
def user(db):
    return UserFactory(username="learner", email="learner@example.com")


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", email="owner@example.com")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", email="outsider@example.com")


@pytest.fixture
def staff(db):
    return UserFactory(username="staffer", email="staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group

    user = UserFactory(username="editor", email="editor@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture(scope="session")
def chromium_path():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing(f"Chromium is not installed at {CHROMIUM}")
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page_nojs(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, collecting what it accepts; see tests/smtp.py."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Django's SMTP backend pointed at `smtp_server`."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


@pytest.fixture
def tasks_in_process():
    """Celery tasks run in this process, at once, whatever REDIS_URL says: nothing is published to a
    broker (tests/accounts/test_reminders_worker.py covers real workers on Redis)."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager
