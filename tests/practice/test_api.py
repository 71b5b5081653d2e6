"""The practice API: questions without answers, server-side scoring, my checks and my reviews."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from practice.models import CheckAttempt, ReviewCard
from roadmap.models import Step, Topic, TopicProgress
from roadmap.services import mark_topic

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/roadmaps/ai-engineer/steps/{}/check/"


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _right(step):
    return [
        {"question": q.pk, "choices": [c.pk for c in q.choices.all() if c.correct]}
        for q in step.questions.prefetch_related("choices")
    ]


def test_questions_go_out_without_their_answers(roadmap):
    body = APIClient().get(CHECK.format("python")).json()
    assert body["step"] == "python"
    assert body["pass_percent"] == 80
    assert body["best"] is None
    assert len(body["questions"]) == Step.objects.get(slug="python").questions.count()
    text = str(body)
    assert "correct" not in text
    assert "explanation" not in text
    kinds = {q["text"][:20]: q["kind"] for q in body["questions"]}
    assert "multiple" in kinds.values()
    assert "single" in kinds.values()


def test_a_submission_is_scored_on_the_server_and_kept(api, roadmap, user):
    step = Step.objects.get(slug="mlops")
    answers = _right(step)
    answers[0]["choices"] = [
        c.pk for c in step.questions.get(pk=answers[0]["question"]).choices.all() if not c.correct
    ][:1]
    response = api.post(CHECK.format("mlops"), {"answers": answers}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["correct"], body["total"], body["passed"]) == (7, 8, True)
    assert body["results"][0]["right"] is False
    assert body["results"][0]["correct_choices"]
    assert body["results"][0]["explanation"]
    assert CheckAttempt.objects.get(user=user).pk == body["attempt"]
    assert api.get(CHECK.format("mlops")).json()["best"] == {"correct": 7, "total": 8, "percent": 88, "passed": True}
    checks = {row["step"]: row for row in api.get("/api/v1/me/checks/").json()}
    assert checks["mlops"]["best"]["passed"] is True
    assert checks["python"]["best"] is None
    assert len(checks) == 11


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": [{"question": 999999, "choices": [1]}]}, "answers"),
        ({"answers": "all of them"}, "answers"),
        ({"answers": [{"question": 1, "choices": ["x"]}]}, "answers.0.choices"),
        ({}, "answers"),
        ({"answers": [{"question": 1, "choices": [1]}, {"question": 1, "choices": [2]}]}, "answers"),
    ],
)
def test_bad_submissions_are_a_400_in_the_error_shape(api, roadmap, body, field):
    response = api.post(CHECK.format("python"), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(name.startswith(field) for name in error["fields"]), error
    assert not CheckAttempt.objects.exists()


def test_anonymous_may_read_but_not_submit(roadmap):
    client = APIClient()
    assert client.get(CHECK.format("git")).status_code == 200
    assert client.post(CHECK.format("git"), {"answers": []}, format="json").status_code == 401
    assert client.get("/api/v1/me/reviews/").status_code == 401


def test_reviews_due_and_a_review_through_the_api(api, roadmap, user):
    row = mark_topic(user=user, topic=Topic.objects.get(slug="math-integration"), status="done")
    TopicProgress.objects.filter(pk=row.pk).update(completed_at=timezone.now() - timedelta(days=3))
    body = api.get("/api/v1/me/reviews/").json()
    assert body["today"] == user.today().isoformat()
    assert body["due_count"] == 1
    assert body["due"][0]["topic"]["slug"] == "math-integration"
    assert body["due"][0]["kind"] == "self_rating"
    refused = api.post(f"/api/v1/me/reviews/{row.topic_id}/", {}, format="json")
    assert refused.status_code == 400
    response = api.post(f"/api/v1/me/reviews/{row.topic_id}/", {"remembered": True}, format="json")
    assert response.status_code == 200
    assert response.json()["interval_days"] == 7
    assert response.json()["next_due_on"] == (user.today() + timedelta(days=7)).isoformat()
    assert ReviewCard.objects.get(user=user).interval_days == 7
    assert api.get("/api/v1/me/reviews/").json()["due_count"] == 0
