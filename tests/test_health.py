"""/healthz answers 200 when its dependencies answer and 503 naming the one that does not."""

import json

import pytest


def test_healthy_with_database_and_cache(client, db, settings):
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_cache_that_does_not_answer_is_reported_but_not_fatal(client, db, settings):
    """The site answers from the database without its cache: a load balancer must not take it out."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
        }
    }
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["failed"] == ["cache"]
    assert body["checks"]["database"] == "ok"


def test_broker_is_checked_when_configured(client, db, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    response = client.get("/healthz")
    assert json.loads(response.content)["checks"]["broker"] == "ok"

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["failed"] == ["broker"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_only_answers_get(client, db, method):
    assert getattr(client, method)("/healthz").status_code == 405


def test_robots_points_to_the_sitemap(client, db, settings):
    settings.SITE_URL = "https://roadmap.example.com"
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: https://roadmap.example.com/sitemap.xml" in body
    assert "Disallow: /admin/" in body


def test_sitemap_lists_public_roadmap_pages_with_site_url(client, roadmap, settings):
    settings.SITE_URL = "https://roadmap.example.com"
    body = client.get("/sitemap.xml").content.decode()
    assert "<loc>https://roadmap.example.com/roadmaps/ai-engineer/steps/deep-learning/</loc>" in body
    assert "<loc>https://roadmap.example.com/roadmaps/ai-engineer/projects/</loc>" in body
    assert "<loc>https://roadmap.example.com/</loc>" in body
    assert "<loc>https://roadmap.example.com/about/</loc>" in body
    assert "/admin/" not in body
    assert "/dashboard/" not in body
