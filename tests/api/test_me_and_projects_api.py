"""/me/ (profile, reminders) and /me/projects/, through the same forms and services as the pages."""

import pytest

from portfolio.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_profile_patch_runs_the_settings_rules(owner_client, owner):
    response = owner_client.patch(
        "/api/v1/me/",
        {"display_name": "Ada", "bio": "Hello *world*", "linkedin_url": "https://www.linkedin.com/in/ada"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["bio_html"]) == ("Ada", "<p>Hello <em>world</em></p>")
    owner.refresh_from_db()
    assert owner.linkedin_url == "https://www.linkedin.com/in/ada"

    refused = owner_client.patch(
        "/api/v1/me/", {"linkedin_url": "https://example.com/ada", "hours_per_week": 0}, format="json"
    )
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"linkedin_url", "hours_per_week"}
    owner.refresh_from_db()
    assert owner.hours_per_week == 10


def test_username_and_email_are_not_changed_by_the_api(owner_client, owner):
    body = owner_client.patch("/api/v1/me/", {"username": "other", "email": "x@example.com"}, format="json").json()
    assert (body["username"], body["email"]) == ("owner", "owner@example.com")


def test_reminder_preferences(owner_client, owner):
    # Opt-in: off until the learner asks for it.
    assert owner_client.get("/api/v1/me/reminders/").json() == {"reminders_opt_in": False}
    assert owner_client.put("/api/v1/me/reminders/", {"reminders_opt_in": True}, format="json").json() == {
        "reminders_opt_in": True
    }
    owner.refresh_from_db()
    assert owner.reminders_opt_in is True
    assert owner_client.put("/api/v1/me/reminders/", {}, format="json").status_code == 400


def test_create_publish_readme_unpublish_delete(owner_client, owner, roadmap):
    created = owner_client.post(
        "/api/v1/me/projects/",
        {
            "title": "Churn predictor",
            "tech_stack": {"backend": ["FastAPI"], "ml": ["scikit-learn"]},
            "features": [{"text": "Predicts churn", "metric": "AUC 0.91"}],
            "skills": ["python", "deep-learning"],
            "repository_url": "https://github.com/owner/churn",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    project = created.json()
    assert (project["slug"], project["visibility"], project["skills"]) == (
        "churn-predictor",
        "draft",
        ["python", "deep-learning"],
    )

    conflict = owner_client.post("/api/v1/me/projects/churn-predictor/publish/", {}, format="json")
    assert conflict.status_code == 409
    assert set(conflict.json()["error"]["fields"]) == {"overview"}

    owner_client.patch("/api/v1/me/projects/churn-predictor/", {"overview": "Predict churn."}, format="json")
    published = owner_client.post("/api/v1/me/projects/churn-predictor/publish/", {}, format="json").json()
    assert published["visibility"] == "public"
    assert published["published_at"] is not None
    unlisted = owner_client.post(
        "/api/v1/me/projects/churn-predictor/publish/", {"visibility": "unlisted"}, format="json"
    ).json()
    assert unlisted["visibility"] == "unlisted"

    readme = owner_client.get("/api/v1/me/projects/churn-predictor/readme/")
    assert readme["Content-Type"] == "text/markdown; charset=utf-8"
    text = readme.content.decode()
    assert text.startswith("# Churn predictor\n")
    assert "- **Backend**: FastAPI" in text
    assert "[https://github.com/owner/churn](https://github.com/owner/churn)" in text

    assert owner_client.post("/api/v1/me/projects/churn-predictor/unpublish/").json()["visibility"] == "draft"
    assert owner_client.delete("/api/v1/me/projects/churn-predictor/").status_code == 204
    assert not Project.objects.filter(owner=owner).exists()


def test_list_filters_by_visibility(owner_client, owner):
    ProjectFactory(owner=owner, slug="a", visibility="draft")
    ProjectFactory(owner=owner, slug="b", visibility="public")
    body = owner_client.get("/api/v1/me/projects/?visibility=public").json()
    assert [p["slug"] for p in body["results"]] == ["b"]
    assert owner_client.get("/api/v1/me/projects/?visibility=secret").status_code == 400


def test_slug_taken_is_409_and_unknown_skill_404(owner_client, owner, roadmap):
    ProjectFactory(owner=owner, slug="taken")
    taken = owner_client.post("/api/v1/me/projects/", {"title": "X", "slug": "taken"}, format="json")
    assert taken.status_code == 409
    assert set(taken.json()["error"]["fields"]) == {"slug"}
    unknown = owner_client.post("/api/v1/me/projects/", {"title": "X", "skills": ["no-such-step"]}, format="json")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["fields"] == {"skills": ["No step 'no-such-step'."]}
    assert Project.objects.filter(owner=owner).count() == 1


def test_shared_project_cannot_lose_its_overview(owner_client, owner):
    ProjectFactory(owner=owner, slug="live", visibility="public")
    response = owner_client.patch("/api/v1/me/projects/live/", {"overview": ""}, format="json")
    assert response.status_code == 409
    assert Project.objects.get(slug="live").overview


def test_non_http_links_are_refused(owner_client, owner):
    response = owner_client.post(
        "/api/v1/me/projects/", {"title": "X", "live_demo_url": "javascript:alert(1)"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"live_demo_url"}
