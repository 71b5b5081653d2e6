"""/me/progress/: the learner's state on topics, through roadmap.services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roadmap import selectors
from roadmap.models import TopicProgress
from roadmap.plan import plan_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def python_topics(roadmap):
    return list(roadmap.steps.get(slug="python").topics.order_by("order", "id"))


def test_list_shows_every_topic_with_my_state(owner_client, owner, roadmap, python_topics):
    body = owner_client.get("/api/v1/me/progress/?step=python").json()
    assert body["count"] == len(python_topics)
    assert {item["state"] for item in body["results"]} == {"not_started"}
    assert body["results"][0]["topic"] == {
        "id": python_topics[0].pk,
        "slug": python_topics[0].slug,
        "title": python_topics[0].title,
        "group": python_topics[0].group,
        "step": "python",
        "roadmap": "ai-engineer",
    }


def test_set_state_then_filter_by_it(owner_client, owner, python_topics):
    topic = python_topics[1]
    response = owner_client.put(f"/api/v1/me/progress/{topic.pk}/", {"state": "done"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "done"
    assert body["completed_at"] is not None
    row = TopicProgress.objects.get(user=owner, topic=topic)
    assert row.status == "done"
    assert row.started_at is not None

    done = owner_client.get("/api/v1/me/progress/?state=done").json()
    assert [item["topic"]["id"] for item in done["results"]] == [topic.pk]
    assert owner_client.get(f"/api/v1/me/progress/{topic.pk}/").json()["state"] == "done"


def test_unknown_or_unpublished_topic_is_404(owner_client, roadmap, python_topics):
    assert owner_client.put("/api/v1/me/progress/999999/", {"state": "done"}, format="json").status_code == 404
    roadmap.published = False
    roadmap.save()
    assert owner_client.get(f"/api/v1/me/progress/{python_topics[0].pk}/").status_code == 404


def test_bulk_sets_all_or_nothing(owner_client, owner, python_topics):
    a, b = python_topics[0], python_topics[1]
    refused = owner_client.post(
        "/api/v1/me/progress/bulk/",
        {"items": [{"topic": a.pk, "state": "done"}, {"topic": 999999, "state": "done"}]},
        format="json",
    )
    assert refused.status_code == 404
    assert refused.json()["error"]["fields"] == {"items.1.topic": ["No such topic."]}
    assert not TopicProgress.objects.filter(user=owner).exists()

    items = [
        {"topic": a.pk, "state": "done"},
        {"topic": b.pk, "state": "learning"},
        {"topic": a.pk, "state": "skipped"},
    ]
    body = owner_client.post("/api/v1/me/progress/bulk/", {"items": items}, format="json").json()
    assert body["updated"] == 2
    assert {r["topic"]["id"]: r["state"] for r in body["results"]} == {a.pk: "skipped", b.pk: "learning"}


def test_complete_and_reset_a_step_keep_notes(owner_client, owner, roadmap, python_topics):
    note_topic = python_topics[0]
    owner_client.put(f"/api/v1/me/progress/{note_topic.pk}/note/", {"note": "**remember**"}, format="json")
    done = owner_client.post("/api/v1/me/progress/complete/", {"step": "python"}, format="json").json()
    n = len(python_topics)
    assert done == {"step": "python", "changed": n, "done": n, "total": n}

    reset = owner_client.post("/api/v1/me/progress/reset/", {"step": "python"}, format="json").json()
    assert reset == {"step": "python", "changed": len(python_topics), "done": 0, "total": len(python_topics)}
    assert TopicProgress.objects.get(user=owner, topic=note_topic).note == "**remember**"
    assert owner_client.post("/api/v1/me/progress/reset/", {"step": "nope"}, format="json").status_code == 404


def test_notes_are_written_listed_and_deleted(owner_client, owner, python_topics):
    topic = python_topics[2]
    body = owner_client.put(f"/api/v1/me/progress/{topic.pk}/note/", {"note": "Use *pandas*"}, format="json").json()
    assert body["note"] == "Use *pandas*"
    assert body["note_html"] == "<p>Use <em>pandas</em></p>"
    notes = owner_client.get("/api/v1/me/notes/").json()
    assert [n["topic"]["id"] for n in notes["results"]] == [topic.pk]

    owner_client.put(f"/api/v1/me/progress/{topic.pk}/note/", {"note": ""}, format="json")
    assert owner_client.get("/api/v1/me/notes/").json()["count"] == 0
    assert not TopicProgress.objects.filter(user=owner, topic=topic).exists()


def test_summary_matches_the_dashboard_selectors(owner_client, owner, roadmap, python_topics):
    owner_client.put(f"/api/v1/me/progress/{python_topics[0].pk}/", {"state": "done"}, format="json")
    body = owner_client.get("/api/v1/me/progress/summary/").json()
    progress = selectors.progress_for(owner, roadmap)
    assert body["overall"] == {
        "done": progress.overall.done,
        "total": progress.overall.total,
        "percent": progress.overall.percent,
        "skipped": progress.overall.skipped,
    }
    assert body["overall"]["done"] == 1
    assert [t["id"] for t in body["next_topics"]] == [t.pk for t in selectors.next_topics(owner, roadmap)]
    foundation = body["phases"][0]
    assert foundation["steps"][0]["slug"] == "python"
    assert foundation["steps"][0]["done"] == 1


def test_summary_includes_the_plan_as_on_the_dashboard(owner_client, owner, roadmap):
    plan = owner_client.get("/api/v1/me/progress/summary/").json()["plan"]
    expected = plan_status(owner, roadmap)
    assert plan["state"] == expected.state
    assert plan["start_date"] == expected.start_date.isoformat()
    assert plan["plan_month"] == expected.plan_month
    assert plan["expected_phase"] == (expected.expected_phase.slug if expected.expected_phase else None)
    assert plan["actual_phase"] == expected.actual_phase.slug
    assert plan["summary"] == expected.summary


def test_summary_before_the_plan_starts(owner_client, owner, roadmap):
    owner.plan_start_date = timezone.localdate() + timedelta(days=30)
    owner.save()
    plan = owner_client.get("/api/v1/me/progress/summary/").json()["plan"]
    assert (plan["state"], plan["plan_month"], plan["expected_phase"]) == ("not_started", 0, None)
