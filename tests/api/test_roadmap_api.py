"""The public, read-only roadmap endpoints, against the real content."""

import pytest
from django.utils import timezone

from roadmap import services
from roadmap.models import Phase, ProjectIdea, Step, Tool, Topic
from tests.factories import RoadmapFactory

pytestmark = pytest.mark.django_db
R = "/api/v1/roadmaps/ai-engineer"


def test_list_shows_published_roadmaps_only(anon_client, roadmap):
    RoadmapFactory(slug="draft-map", published=False)
    body = anon_client.get("/api/v1/roadmaps/").json()
    assert body["count"] == 1
    assert body["results"][0]["slug"] == "ai-engineer"
    assert body["results"][0]["html_url"].endswith("/roadmaps/ai-engineer/")
    assert anon_client.get("/api/v1/roadmaps/draft-map/").status_code == 404


def test_detail_nests_phases_steps_topics_resources_tools(anon_client, roadmap):
    body = anon_client.get(f"{R}/").json()
    assert body["version"] == roadmap.version
    assert [p["slug"] for p in body["phases"]] == list(
        Phase.objects.filter(roadmap=roadmap).order_by("order").values_list("slug", flat=True)
    )
    steps = [s for p in body["phases"] for s in p["steps"]]
    assert len(steps) == Step.objects.filter(roadmap=roadmap).count()
    assert sum(len(s["topics"]) for s in steps) == Topic.objects.filter(step__roadmap=roadmap).count()
    python = next(s for s in steps if s["slug"] == "python")
    step = roadmap.steps.get(slug="python")
    topics = step.topics.order_by("order", "id").values_list("slug", flat=True)
    assert [t["slug"] for t in python["topics"]] == list(topics)
    resources = step.resources.order_by("order", "id").values_list("url", flat=True)
    assert [r["url"] for r in python["resources"]] == list(resources)
    assert [t["name"] for t in python["tools"]] == [st.tool.name for st in step.step_tools.order_by("order", "id")]


def test_steps_filter_by_phase_and_optional(anon_client, roadmap):
    body = anon_client.get(f"{R}/steps/?phase=foundation&page_size=200").json()
    expected = Step.objects.filter(roadmap=roadmap, phase__slug="foundation").count()
    assert body["count"] == expected > 0
    assert {s["phase"] for s in body["results"]} == {"foundation"}
    optional = anon_client.get(f"{R}/steps/?optional=true").json()
    assert optional["count"] == Step.objects.filter(roadmap=roadmap, optional=True).count()
    assert all(s["optional"] for s in optional["results"])


def test_step_detail_has_code_examples_and_ideas(anon_client, roadmap):
    body = anon_client.get(f"{R}/steps/python/").json()
    step = roadmap.steps.get(slug="python")
    assert body["title"] == step.title
    assert body["why_html"] == step.why_html
    assert len(body["code_examples"]) == step.code_examples.count()
    assert anon_client.get(f"{R}/steps/nope/").status_code == 404


def test_tools_filter(anon_client, roadmap):
    body = anon_client.get(f"{R}/tools/?essential=true&page_size=200").json()
    assert body["count"] == Tool.objects.filter(roadmap=roadmap, essential=True).count()
    assert all(t["essential"] for t in body["results"])


def test_project_ideas_filter_by_tier_and_step(anon_client, roadmap):
    body = anon_client.get(f"{R}/project-ideas/?tier=advanced&page_size=200").json()
    assert body["count"] == ProjectIdea.objects.filter(roadmap=roadmap, tier="advanced").count() > 0
    assert {i["tier"] for i in body["results"]} == {"advanced"}
    nlp = anon_client.get(f"{R}/project-ideas/?step=nlp&page_size=200").json()
    assert all("nlp" in i["steps"] for i in nlp["results"])
    assert anon_client.get(f"{R}/project-ideas/?tier=expert").status_code == 400


def test_changes_newest_first_with_filters(anon_client, roadmap, staff):
    before = timezone.now()
    staff.display_name = "Dana Editor"
    staff.save()
    release = services.release_publish(roadmap=roadmap, version="9.0", notes="Big *update*", actor=staff)
    body = anon_client.get(f"{R}/changes/").json()
    assert body["results"][0]["action"] == "released"
    # Editors are named as on the public changelog: by display name, never by username.
    assert body["results"][0]["author"] == "Dana Editor"
    assert "staffer" not in str(body)
    assert body["results"][0]["fields"] == [{"field": "version", "old": "2.0", "new": "9.0"}]
    since = anon_client.get(f"{R}/changes/", {"since": before.isoformat()}).json()
    assert [c["action"] for c in since["results"]] == ["released"]
    released = anon_client.get(f"{R}/changes/?action=released").json()
    assert released["count"] == 1
    releases = anon_client.get(f"{R}/releases/").json()
    assert releases["results"][0] == {
        "version": "9.0",
        "notes": "Big *update*",
        "notes_html": release.notes_html,
        "published_at": releases["results"][0]["published_at"],
    }
