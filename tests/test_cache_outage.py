"""The cache is a cache: with its Redis stopped every page still answers, from the database, and the
site goes back to the cache by itself when Redis returns. Against a real redis-server of the test's
own (the machine's shared one is never stopped)."""

import shutil
import socket
import subprocess
import time

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from portfolio import services as portfolio_services
from roadmap.models import Topic

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, port: int):
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis(settings, redis_url):
    """A redis-server of this test's own as the site's cache (sessions are read through it too)."""
    from tests.conftest import _missing

    if not shutil.which("redis-server"):
        _missing("redis-server is not installed")
    server = RedisServer(_free_port()).start()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache_backend.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield server
    if server.process.poll() is None:
        server.stop()


def _until(predicate, seconds=10.0):
    """Poll `predicate` until it holds or the deadline passes; return its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_every_page_answers_without_the_cache_and_recovers(private_redis, roadmap, owner):
    owner.portfolio_public = owner.show_progress = True
    owner.save()
    EmailAddress.objects.create(user=owner, email=owner.email, primary=True, verified=True)
    project = portfolio_services.project_create(owner=owner, title="Churn model", overview="Predicts churn.")
    portfolio_services.project_publish(project=project)
    topic = Topic.objects.filter(step__slug="python").order_by("order").first()
    anonymous_urls = [
        reverse("roadmap:home"),
        reverse("roadmap:detail", args=["ai-engineer"]),
        reverse("roadmap:step", args=["ai-engineer", "python"]),
        reverse("roadmap:changes", args=["ai-engineer"]),
        reverse("portfolio:public_profile", args=["owner"]),
        project.get_absolute_url(),
        "/api/v1/roadmaps/ai-engineer/",
    ]
    anonymous = Client()
    learner = Client()
    learner.force_login(owner)
    progress_url = reverse("roadmap:topic_progress", args=["ai-engineer", "python", topic.slug])

    def everything_answers(status_code=200):
        for url in anonymous_urls:
            response = anonymous.get(url)
            assert response.status_code == status_code, url
        assert learner.get(reverse("dashboard")).status_code == 200
        response = learner.post(progress_url, {"status": "learning"}, headers={"accept": "application/json"})
        assert response.json()["topics"][topic.slug]["state"] == "learning"
        return True

    everything_answers()
    assert anonymous.get(anonymous_urls[1])["X-Page-Cache"] == "hit"

    private_redis.stop()
    everything_answers()
    # Served from the database, freshly rendered, with nothing kept.
    assert anonymous.get(anonymous_urls[1])["X-Page-Cache"] == "miss"
    assert anonymous.get(anonymous_urls[1])["X-Page-Cache"] == "miss"
    health = anonymous.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    # Signing in works (the rate limits read the cache), and the session lives in the database.
    fresh = Client()
    response = fresh.post(reverse("account_login"), {"login": "owner", "password": "correct horse battery staple"})
    assert (response.status_code, response["Location"]) == (302, reverse("dashboard"))
    assert fresh.get(reverse("dashboard")).status_code == 200

    private_redis.start()
    assert _until(lambda: anonymous.get(anonymous_urls[1])["X-Page-Cache"] == "hit")
    assert anonymous.get("/healthz").json()["status"] == "ok"
    everything_answers()
