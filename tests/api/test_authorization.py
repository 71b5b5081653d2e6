"""Who may do what: anonymous, the owner, another learner and staff, for every operation of the
schema. /me/ operations act on the caller's own data only; nobody reaches another's private rows."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from cohorts import services as cohort_services
from portfolio.models import Project
from roadmap import services as roadmap_services
from roadmap.models import TopicProgress
from tests.api.conftest import create_token
from tests.factories import ProjectFactory, build_roadmap

ROLES = ["anonymous", "owner", "outsider", "staff"]
PUBLIC = dict.fromkeys(ROLES, 200)
MINE = {"anonymous": 401, "owner": 200, "outsider": 200, "staff": 200}
CREATED = {"anonymous": 401, "owner": 201, "outsider": 201, "staff": 201}
# An object that belongs to the owner, reached through /me/: nobody else can find it.
OWNERS = {"anonymous": 401, "owner": 200, "outsider": 404, "staff": 404}
OWNERS_DELETED = {**OWNERS, "owner": 204}
# The owner's private portfolio page: visible to the owner and to staff only.
PRIVATE_PAGE = {"anonymous": 404, "owner": 200, "outsider": 404, "staff": 200}

R = "/api/v1/roadmaps/ai-engineer"
# (method, schema path, concrete path, body, expected status per role)
OPERATIONS = [
    ("GET", "/api/v1/roadmaps/", "/api/v1/roadmaps/", None, PUBLIC),
    ("GET", "/api/v1/roadmaps/{slug}/", f"{R}/", None, PUBLIC),
    ("GET", "/api/v1/roadmaps/{slug}/steps/", f"{R}/steps/?phase=foundation", None, PUBLIC),
    ("GET", "/api/v1/roadmaps/{slug}/steps/{step_slug}/", f"{R}/steps/python/", None, PUBLIC),
    ("GET", "/api/v1/roadmaps/{slug}/tools/", f"{R}/tools/", None, PUBLIC),
    ("GET", "/api/v1/roadmaps/{slug}/project-ideas/", f"{R}/project-ideas/", None, PUBLIC),
    ("GET", "/api/v1/roadmaps/{slug}/changes/", f"{R}/changes/", None, PUBLIC),
    ("GET", "/api/v1/roadmaps/{slug}/releases/", f"{R}/releases/", None, PUBLIC),
    ("GET", "/api/v1/search/", "/api/v1/search/?q=python", None, PUBLIC),
    ("GET", "/api/v1/users/{username}/", "/api/v1/users/owner/", None, PRIVATE_PAGE),
    ("GET", "/api/v1/me/", "/api/v1/me/", None, MINE),
    ("PUT", "/api/v1/me/", "/api/v1/me/", {"headline": "Learning"}, MINE),
    ("PATCH", "/api/v1/me/", "/api/v1/me/", {"headline": "Learning"}, MINE),
    ("GET", "/api/v1/me/reminders/", "/api/v1/me/reminders/", None, MINE),
    ("PUT", "/api/v1/me/reminders/", "/api/v1/me/reminders/", {"reminders_opt_in": False}, MINE),
    ("PATCH", "/api/v1/me/reminders/", "/api/v1/me/reminders/", {"reminders_opt_in": False}, MINE),
    ("GET", "/api/v1/me/progress/", "/api/v1/me/progress/?state=done", None, MINE),
    ("GET", "/api/v1/me/progress/summary/", "/api/v1/me/progress/summary/", None, MINE),
    ("GET", "/api/v1/me/progress/{topic_id}/", "/api/v1/me/progress/{topic}/", None, MINE),
    ("PUT", "/api/v1/me/progress/{topic_id}/", "/api/v1/me/progress/{topic}/", {"state": "learning"}, MINE),
    ("PUT", "/api/v1/me/progress/{topic_id}/note/", "/api/v1/me/progress/{topic}/note/", {"note": "mine"}, MINE),
    (
        "POST",
        "/api/v1/me/progress/bulk/",
        "/api/v1/me/progress/bulk/",
        {"items": [{"topic": "{topic}", "state": "skipped"}]},
        MINE,
    ),
    ("POST", "/api/v1/me/progress/reset/", "/api/v1/me/progress/reset/", {"step": "python"}, MINE),
    ("POST", "/api/v1/me/progress/complete/", "/api/v1/me/progress/complete/", {"step": "python"}, MINE),
    ("GET", "/api/v1/me/notes/", "/api/v1/me/notes/", None, MINE),
    ("GET", "/api/v1/me/projects/", "/api/v1/me/projects/", None, MINE),
    ("POST", "/api/v1/me/projects/", "/api/v1/me/projects/", {"title": "New one"}, CREATED),
    ("GET", "/api/v1/me/projects/{slug}/", "/api/v1/me/projects/secret/", None, OWNERS),
    ("PATCH", "/api/v1/me/projects/{slug}/", "/api/v1/me/projects/secret/", {"title": "Renamed"}, OWNERS),
    ("DELETE", "/api/v1/me/projects/{slug}/", "/api/v1/me/projects/secret/", None, OWNERS_DELETED),
    ("POST", "/api/v1/me/projects/{slug}/publish/", "/api/v1/me/projects/secret/publish/", {}, OWNERS),
    ("POST", "/api/v1/me/projects/{slug}/unpublish/", "/api/v1/me/projects/shown/unpublish/", None, OWNERS),
    ("GET", "/api/v1/me/projects/{slug}/readme/", "/api/v1/me/projects/secret/readme/", None, OWNERS),
    # Self-checks and reviews (practice). This small roadmap has no questions: a submission is refused.
    ("GET", "/api/v1/roadmaps/{slug}/steps/{step_slug}/check/", f"{R}/steps/python/check/", None, PUBLIC),
    (
        "POST",
        "/api/v1/roadmaps/{slug}/steps/{step_slug}/check/",
        f"{R}/steps/python/check/",
        {"answers": []},
        {"anonymous": 401, "owner": 400, "outsider": 400, "staff": 400},
    ),
    ("GET", "/api/v1/me/checks/", "/api/v1/me/checks/", None, MINE),
    ("GET", "/api/v1/me/reviews/", "/api/v1/me/reviews/", None, MINE),
    ("POST", "/api/v1/me/reviews/{topic_id}/", "/api/v1/me/reviews/{topic}/", {"remembered": True}, OWNERS),
    # Cohorts: reached only through one's own membership (tests/cohorts/test_authorization.py walks
    # every role of a cohort). The owner owns "club"; an owner cannot leave it (409).
    ("GET", "/api/v1/cohorts/", "/api/v1/cohorts/", None, MINE),
    ("GET", "/api/v1/cohorts/{slug}/", "/api/v1/cohorts/club/", None, OWNERS),
    (
        "DELETE",
        "/api/v1/cohorts/{slug}/membership/",
        "/api/v1/cohorts/club/membership/",
        None,
        {**OWNERS, "owner": 409},
    ),
    (
        "POST",
        "/api/v1/cohorts/join/",
        "/api/v1/cohorts/join/",
        {"token": "no-such-token", "consent": True},
        {"anonymous": 401, "owner": 404, "outsider": 404, "staff": 404},
    ),
]


@pytest.fixture
def world(db, owner, outsider, staff):
    """A small roadmap shaped like the real one. The owner has a private page, a draft ("secret")
    and a published project ("shown"), progress and a note."""
    roadmap = build_roadmap(slug="ai-engineer", step_slugs=["python"], topics_per_step=3)
    ProjectFactory(owner=owner, title="Secret", slug="secret", overview="Draft overview.")
    ProjectFactory(owner=owner, title="Shown", slug="shown", visibility="public")
    topic = roadmap.steps.get(slug="python").topics.order_by("order").first()
    roadmap_services.mark_topic(user=owner, topic=topic, status="done")
    roadmap_services.topic_note_set(user=owner, topic=topic, note="Owner's private note")
    cohort_services.cohort_create(owner=owner, name="Club", roadmap=roadmap, start_date=date(2026, 1, 1))
    return {"topic": topic, "users": {"owner": owner, "outsider": outsider, "staff": staff}}


def _client(world, role):
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {create_token(world['users'][role])}")
    return client


def _fill(value, topic):
    if isinstance(value, str):
        return topic.pk if value == "{topic}" else value.replace("{topic}", str(topic.pk))
    if isinstance(value, dict):
        return {k: _fill(v, topic) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, topic) for v in value]
    return value


def test_matrix_covers_every_operation_of_the_schema(client, db):
    schema = client.get("/api/schema/?format=json").json()
    documented = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "put", "patch", "post", "delete"}
    }
    assert documented == {(method, path) for method, path, *_ in OPERATIONS}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "schema_path", "path", "body", "expected"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_who_may_do_what(world, role, method, schema_path, path, body, expected):
    topic = world["topic"]
    client = _client(world, role)
    call, url = getattr(client, method.lower()), _fill(path, topic)
    response = call(url, _fill(body, topic), format="json") if body is not None else call(url)
    assert response.status_code == expected[role], response.content[:300]
    if response.status_code >= 400:
        assert response.json()["error"]["status"] == response.status_code

    # Whatever anyone else did, the owner's private data is as it was.
    if role != "owner":
        secret = Project.objects.get(slug="secret", owner=world["users"]["owner"])
        assert (secret.title, secret.visibility) == ("Secret", "draft")
        assert Project.objects.get(slug="shown").visibility == "public"
        row = TopicProgress.objects.get(user=world["users"]["owner"], topic=topic)
        assert (row.status, row.note) == ("done", "Owner's private note")


@pytest.mark.parametrize("role", ["outsider", "staff"])
def test_no_list_shows_another_learners_private_rows(world, role):
    client = _client(world, role)
    assert client.get("/api/v1/me/projects/").json()["results"] == []
    assert client.get("/api/v1/me/notes/").json()["results"] == []
    assert client.get("/api/v1/me/progress/?state=done").json()["count"] == 0
    summary = client.get("/api/v1/me/progress/summary/").json()
    assert summary["overall"]["done"] == 0


def test_public_profile_lists_only_published_projects(world, anon_client):
    owner = world["users"]["owner"]
    owner.portfolio_public = True
    owner.save()
    ProjectFactory(owner=owner, title="Unlisted", slug="unlisted", visibility="unlisted")
    ProjectFactory(owner=owner, title="Hidden", slug="hidden", visibility="public", hidden=True)
    body = anon_client.get("/api/v1/users/owner/").json()
    assert [p["slug"] for p in body["projects"]] == ["shown"]
    assert body["progress"] is None
    assert "note" not in str(body).lower()


def test_hidden_or_inactive_page_is_404_for_everyone_but_owner_and_staff(world, anon_client):
    owner = world["users"]["owner"]
    owner.portfolio_public = True
    owner.page_hidden = True
    owner.save()
    assert anon_client.get("/api/v1/users/owner/").status_code == 404
    assert _client(world, "outsider").get("/api/v1/users/owner/").status_code == 404
    assert _client(world, "staff").get("/api/v1/users/owner/").status_code == 200
    owner.page_hidden = False
    owner.is_active = False
    owner.save()
    assert anon_client.get("/api/v1/users/owner/").status_code == 404
