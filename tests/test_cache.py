"""Anonymous pages come from the cache (no query on a hit), go stale when content changes, answer
conditional GETs, and never leak to or from a signed-in visitor."""

import pytest
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.http import http_date

from config.cache import bump, cache_anonymous_page, cached_value, user_scope
from roadmap import services
from roadmap.models import RoadmapChange, Step


def _public_urls(roadmap):
    step = roadmap.steps.order_by("number").first()
    return [
        reverse("roadmap:home"),
        reverse("roadmap:detail", args=[roadmap.slug]),
        reverse("roadmap:step", args=[roadmap.slug, step.slug]),
        reverse("roadmap:projects", args=[roadmap.slug]),
        reverse("roadmap:guide", args=[roadmap.slug, "tools"]),
        reverse("roadmap:changes", args=[roadmap.slug]),
    ]


@pytest.fixture
def step(roadmap):
    return roadmap.steps.order_by("number").first()


def test_second_anonymous_request_is_served_without_a_query(client, roadmap, django_assert_num_queries):
    for url in _public_urls(roadmap):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first["X-Page-Cache"] == "miss"
        with django_assert_num_queries(0):
            second = client.get(url)
        assert second["X-Page-Cache"] == "hit"
        assert second.content == first.content
        assert second["ETag"] == first["ETag"]


def test_anonymous_page_sets_no_cookie_and_does_not_vary_on_cookie(client, roadmap, step):
    url = reverse("roadmap:step", args=[roadmap.slug, step.slug])
    for state in ("miss", "hit"):
        response = client.get(url)
        assert response["X-Page-Cache"] == state
        assert not response.cookies
        assert "Cookie" not in response.get("Vary", "")
        assert response["Cache-Control"] == "public, no-cache"
        # The headers the middleware adds are there on a hit as on a miss.
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert int(response["Content-Length"]) == len(response.content)


def test_conditional_get_answers_304(client, roadmap, step):
    url = reverse("roadmap:step", args=[roadmap.slug, step.slug])
    first = client.get(url)
    not_modified = client.get(url, headers={"if-none-match": first["ETag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]
    since = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    stale = client.get(url, headers={"if-none-match": '"something-else"'})
    assert stale.status_code == 200
    assert stale.content == first.content


def test_content_change_through_the_service_invalidates_pages(client, roadmap, step):
    url = reverse("roadmap:step", args=[roadmap.slug, step.slug])
    before = client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    step.title = "Python, properly"
    step.save()
    # Any save of roadmap content makes the cached pages stale (a signal), not only the recorded
    # changes of the admin and the loader: a shell or a data migration cannot leave stale pages.
    saved = client.get(url)
    assert saved["X-Page-Cache"] == "miss"
    assert b"Python, properly" in saved.content
    assert client.get(url)["X-Page-Cache"] == "hit"
    services.record_change(roadmap=roadmap, obj=step, action=RoadmapChange.Action.CHANGED, fields=["title"])
    after = client.get(url, headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["X-Page-Cache"] == "miss"
    assert b"Python, properly" in after.content
    assert after["ETag"] != before["ETag"]
    assert b"Python, properly" in client.get(reverse("roadmap:detail", args=[roadmap.slug])).content


def test_any_write_to_roadmap_content_invalidates_pages(client, roadmap, step):
    """Not only the models of the outline: a resource, an idea's steps (many-to-many), a changelog
    entry -- whatever the cached pages show."""
    from tests.factories import ResourceFactory

    url = reverse("roadmap:step", args=[roadmap.slug, step.slug])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    resource = ResourceFactory(step=step, title="A brand-new reading list")
    page = client.get(url)
    assert page["X-Page-Cache"] == "miss"
    assert b"A brand-new reading list" in page.content
    assert client.get(url)["X-Page-Cache"] == "hit"
    idea = roadmap.project_ideas.first()
    idea.steps.add(step)
    assert idea.title.encode() in client.get(url).content
    assert client.get(url)["X-Page-Cache"] == "hit"
    idea.steps.remove(step)
    page = client.get(url)
    assert page["X-Page-Cache"] == "miss"
    assert idea.title.encode() not in page.content
    resource.delete()
    assert b"A brand-new reading list" not in client.get(url).content


def test_editor_change_in_the_admin_invalidates_pages(client, roadmap, step, editor):
    url = reverse("roadmap:step", args=[roadmap.slug, step.slug])
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"

    admin = Client()
    admin.force_login(editor)
    change_url = reverse("admin:roadmap_topic_change", args=[step.topics.first().pk])
    page = admin.get(change_url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["title"] = "Variables, types and a cache that knows when to forget"
    response = admin.post(change_url, data)
    assert response.status_code == 302, response.content[:2000]

    fresh = client.get(url)
    assert fresh["X-Page-Cache"] == "miss"
    assert b"a cache that knows when to forget" in fresh.content


def test_loader_run_that_changes_content_invalidates_pages(client, roadmap, roadmap_data):
    from copy import deepcopy

    from roadmap.loader import roadmap_load

    url = reverse("roadmap:projects", args=[roadmap.slug])
    client.get(url)
    data = deepcopy(roadmap_data)
    data["project_ideas"][0]["title"] = "A freshly loaded project idea"
    roadmap_load(data=data)
    fresh = client.get(url)
    assert fresh["X-Page-Cache"] == "miss"
    assert b"A freshly loaded project idea" in fresh.content


def test_signed_in_user_never_gets_the_anonymous_page(client, roadmap, step, user):
    url = reverse("roadmap:step", args=[roadmap.slug, step.slug])
    anonymous = client.get(url)
    client.get(url)  # now cached
    client.force_login(user)
    signed_in = client.get(url, headers={"if-none-match": anonymous["ETag"]})
    assert signed_in.status_code == 200
    assert "X-Page-Cache" not in signed_in
    assert "private" in signed_in["Cache-Control"]
    assert b"Log out" in signed_in.content
    assert b"Log out" not in anonymous.content
    # ...and the signed-in render does not end up in the cache for the next visitor either.
    client.logout()
    again = Client().get(url)
    assert again["X-Page-Cache"] == "hit"
    assert b"Log out" not in again.content


def test_stale_session_cookie_gets_a_fresh_render_not_the_cache(client, roadmap):
    url = reverse("roadmap:detail", args=[roadmap.slug])
    client.get(url)
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    response = client.get(url)
    assert "X-Page-Cache" not in response
    assert b"Log in" in response.content


def test_flash_message_after_logout_is_shown_not_swallowed_by_the_cache(client, roadmap, user):
    home = reverse("roadmap:home")
    client.get(home)
    assert client.get(home)["X-Page-Cache"] == "hit"
    client.force_login(user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    # A browser drops the deleted session cookie; the message cookie stays until a page shows it.
    del client.cookies[settings.SESSION_COOKIE_NAME]
    assert CookieStorage.cookie_name in client.cookies
    page = client.get(home)
    assert "X-Page-Cache" not in page or page["X-Page-Cache"] != "hit"
    assert b"You have signed out." in page.content
    # Shown once: the next visit is the cached page again.
    assert client.cookies[CookieStorage.cookie_name].value == ""
    del client.cookies[CookieStorage.cookie_name]
    assert client.get(home)["X-Page-Cache"] == "hit"


def test_random_query_strings_share_one_cache_entry(client, roadmap, django_assert_num_queries):
    url = reverse("roadmap:detail", args=[roadmap.slug])
    client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url, {"utm_source": "linkedin"})["X-Page-Cache"] == "hit"


def test_changes_page_caches_each_page_number_separately(client, roadmap):
    from roadmap.models import RoadmapChange, Topic
    from roadmap.services import record_change

    # A fresh install is one changelog entry: make a second page of changes.
    for topic in Topic.objects.all()[:60]:
        record_change(roadmap=roadmap, obj=topic, action=RoadmapChange.Action.CHANGED, fields=["title"])
    url = reverse("roadmap:changes", args=[roadmap.slug])
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url, {"page": "2"})["X-Page-Cache"] == "miss"
    assert client.get(url, {"page": "2"})["X-Page-Cache"] == "hit"


def test_post_and_error_responses_are_not_cached(client, roadmap):
    missing = reverse("roadmap:step", args=[roadmap.slug, "no-such-step"])
    assert client.get(missing).status_code == 404
    assert client.get(missing).status_code == 404
    assert "X-Page-Cache" not in client.get(missing)


def test_user_scope_bump_invalidates_only_that_users_pages(rf, db):
    calls = []

    @cache_anonymous_page(lambda request, username: [user_scope(username)])
    def public_page(request, username):
        from django.http import HttpResponse

        calls.append(username)
        return HttpResponse(f"page of {username}")

    for name in ("ada", "grace", "ada", "grace"):
        public_page(rf.get(f"/u/{name}/"), username=name)
    assert calls == ["ada", "grace"]
    bump(user_scope("Ada"))
    for name in ("ada", "grace"):
        public_page(rf.get(f"/u/{name}/"), username=name)
    assert calls == ["ada", "grace", "ada"]


def test_last_modified_is_a_valid_http_date(client, roadmap):
    response = client.get(reverse("roadmap:detail", args=[roadmap.slug]))
    assert response["Last-Modified"].endswith("GMT")
    assert len(response["Last-Modified"]) == len(http_date(0))


def test_step_page_hit_stays_at_zero_queries_with_more_content(client, roadmap, django_assert_num_queries):
    step = Step.objects.filter(roadmap=roadmap).order_by("-number").first()
    url = reverse("roadmap:step", args=[roadmap.slug, step.slug])
    client.get(url)
    with django_assert_num_queries(0):
        client.get(url)


# --- public portfolio pages -------------------------------------------------------------------


@pytest.fixture
def published(roadmap, owner):
    from portfolio import services as portfolio_services

    owner.portfolio_public = True
    owner.show_progress = True
    owner.save()
    project = portfolio_services.project_create(
        owner=owner, title="Churn predictor", overview="Predicts churn.", tech_stack={"ml": ["XGBoost"]}
    )
    return portfolio_services.project_publish(project=project)


def test_public_portfolio_pages_are_served_from_the_cache(client, published, django_assert_num_queries):
    for url in (reverse("portfolio:public_profile", args=["owner"]), published.get_absolute_url()):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first["X-Page-Cache"] == "miss"
        with django_assert_num_queries(0):
            hit = client.get(url)
        assert hit["X-Page-Cache"] == "hit"
        assert hit.content == first.content
        assert hit["Cache-Control"] == first["Cache-Control"]
        assert not hit.cookies
        assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304


def test_owner_project_change_invalidates_only_their_pages(client, published, outsider, roadmap):
    from portfolio import services as portfolio_services

    profile = reverse("portfolio:public_profile", args=["owner"])
    step_page = reverse("roadmap:detail", args=[roadmap.slug])
    client.get(profile)
    client.get(step_page)
    portfolio_services.project_update(project=published, title="Churn predictor, take two")
    fresh = client.get(profile)
    assert fresh["X-Page-Cache"] == "miss"
    assert b"Churn predictor, take two" in fresh.content
    assert client.get(step_page)["X-Page-Cache"] == "hit"


def test_owner_progress_change_invalidates_their_public_page(client, published, roadmap):
    profile = reverse("portfolio:public_profile", args=["owner"])
    client.get(profile)
    assert client.get(profile)["X-Page-Cache"] == "hit"
    topic = roadmap.steps.order_by("number").first().topics.first()
    services.mark_topic(user=published.owner, topic=topic, status="done")
    assert client.get(profile)["X-Page-Cache"] == "miss"


def test_unpublished_project_is_gone_from_the_cache_at_once(client, published):
    from portfolio import services as portfolio_services

    url = published.get_absolute_url()
    assert client.get(url).status_code == 200
    portfolio_services.project_unpublish(project=published)
    assert client.get(url).status_code == 404


# --- every write, whoever makes it -------------------------------------------------------------


def _profile(client):
    return client.get(reverse("portfolio:public_profile", args=["owner"]))


def test_a_shell_save_of_the_learner_invalidates_their_public_page(client, published):
    assert _profile(client)["X-Page-Cache"] == "miss"
    assert _profile(client)["X-Page-Cache"] == "hit"
    owner = published.owner
    owner.headline = "Now at a new place"
    owner.save()
    fresh = _profile(client)
    assert fresh["X-Page-Cache"] == "miss"
    assert b"Now at a new place" in fresh.content


def test_hiding_deactivating_or_deleting_takes_the_page_down_at_once(client, published, staff):
    """Saves and deletes of the user row, from a shell or the admin, bump the learner's pages."""
    owner = published.owner
    assert _profile(client).status_code == 200
    assert _profile(client)["X-Page-Cache"] == "hit"
    owner.page_hidden = True
    owner.save(update_fields=["page_hidden"])
    assert _profile(client).status_code == 404
    owner.page_hidden = False
    owner.save(update_fields=["page_hidden"])
    assert _profile(client).status_code == 200
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert _profile(client).status_code == 404
    owner.is_active = True
    owner.save(update_fields=["is_active"])
    assert client.get(published.get_absolute_url()).status_code == 200

    admin = Client()
    admin.force_login(staff)
    response = admin.post(reverse("admin:accounts_user_delete", args=[owner.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert _profile(client).status_code == 404
    assert client.get(published.get_absolute_url()).status_code == 404


def test_a_username_change_invalidates_the_old_address(client, published):
    assert _profile(client).status_code == 200
    owner = published.owner
    owner.username = "renamed"
    owner.save()
    assert _profile(client).status_code == 404
    assert client.get(reverse("portfolio:public_profile", args=["renamed"])).status_code == 200


def test_signing_in_does_not_invalidate_the_public_page(client, published):
    _profile(client)
    Client().force_login(published.owner)  # records last_login
    assert _profile(client)["X-Page-Cache"] == "hit"


def test_a_project_saved_from_a_shell_invalidates_the_page(client, published):
    _profile(client)
    published.title = "Churn, saved by hand"
    published.save()
    assert b"Churn, saved by hand" in _profile(client).content


# --- bounded: every key expires, errors and random addresses add none ----------------------------


@pytest.fixture
def redis_cache(settings, redis_url):
    """The real Redis cache backend (as in production) on a database of its own."""
    location = redis_url.rsplit("/", 1)[0] + "/15"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        }
    }
    cache.clear()
    yield cache
    cache.clear()


def _keys(redis_cache):
    from django_redis import get_redis_connection

    connection = get_redis_connection("default")
    return {key.decode(): connection.ttl(key) for key in connection.keys("*")}


@pytest.mark.services
def test_every_key_the_page_cache_writes_has_a_timeout(client, roadmap, published, redis_cache):
    for url in [*_public_urls(roadmap), reverse("portfolio:public_profile", args=["owner"])]:
        client.get(url)
        client.get(url)
    keys = _keys(redis_cache)
    assert keys
    assert all(ttl > 0 for ttl in keys.values()), keys


@pytest.mark.services
def test_missing_pages_and_out_of_range_page_numbers_add_no_keys(client, roadmap, redis_cache):
    for index in range(20):
        assert client.get(reverse("portfolio:public_profile", args=[f"nobody-{index}"])).status_code == 404
        url = reverse("roadmap:changes", args=[roadmap.slug])
        assert client.get(url, {"page": str(1000 + index)}).status_code == 404
    # Nothing per missing page: at most the footer's credit, one key shared by every page, and the
    # roadmap's version it is kept at.
    assert set(_keys(redis_cache)) <= {":1:v4:ver:roadmap", ":1:v4:value:site-roadmap"}


def test_cached_value_is_computed_once_until_its_scope_is_bumped(db):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert cached_value(["demo"], "answer", compute) == 1
    assert cached_value(["demo"], "answer", compute) == 1
    bump("demo")
    assert cached_value(["demo"], "answer", compute) == 2
    # A version that has gone (evicted, expired, cache emptied) never serves the old value.
    cache.clear()
    assert cached_value(["demo"], "answer", compute) == 3
