"""Progress on step pages: the plain POST + redirect forms, their JSON answers for fetch(), notes,
step done / reset, permissions and CSRF."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmap.models import Roadmap, Topic, TopicProgress
from roadmap.services import mark_topic
from tests.factories import UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def topic(roadmap):
    return Topic.objects.select_related("step").get(step__roadmap=roadmap, step__slug="python", order=0)


def _topic_url(topic, name="roadmap:topic_progress"):
    return reverse(name, args=["ai-engineer", topic.step.slug, topic.slug])


def _step_url(step):
    return reverse("roadmap:step", args=["ai-engineer", step.slug])


def test_anonymous_sees_no_controls_and_cannot_post(client, topic):
    page = client.get(_step_url(topic.step)).content.decode()
    assert "data-progress-form" not in page
    assert "to mark topics as learning, done or skipped" in page
    response = client.post(_topic_url(topic), {"status": "done"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(_topic_url(topic, "roadmap:topic_note"), {"note": "x"})
    assert response.status_code == 302
    assert not TopicProgress.objects.exists()


def test_plain_post_marks_the_topic_and_redirects_back_to_it(client, user, topic):
    client.force_login(user)
    response = client.post(_topic_url(topic), {"status": "done"})
    assert response.status_code == 302
    assert response["Location"] == f"/roadmaps/ai-engineer/steps/python/#topic-{topic.slug}"
    row = TopicProgress.objects.get(user=user, topic=topic)
    assert row.status == "done"
    assert row.completed_at is not None
    page = client.get(_step_url(topic.step)).content.decode()
    assert f'id="topic-{topic.slug}" data-state="done"' in page
    total = topic.step.topics.count()
    assert f"1 of {total} &middot; {round(100 / total)}%" in page


def test_fetch_gets_the_new_states_and_every_bar(client, user, topic):
    client.force_login(user)
    response = client.post(_topic_url(topic), {"status": "learning"}, **JSON)
    assert response.status_code == 200
    data = response.json()
    assert data["topics"][topic.slug] == {"state": "learning", "label": "Learning"}
    assert data["bars"]["step-python"]["done"] == 0
    response = client.post(_topic_url(topic), {"status": "skipped"}, **JSON)
    data = response.json()
    # Skipped is not finished: the topic leaves the step's count instead.
    total = topic.step.topics.count()
    assert data["bars"]["step-python"] == {"done": 0, "total": total - 1, "percent": 0}
    assert data["bars"]["phase-foundation"]["done"] == 0
    assert data["bars"]["overall"]["done"] == 0
    response = client.post(_topic_url(topic), {"status": "done"}, **JSON)
    assert response.json()["bars"]["step-python"] == {"done": 1, "total": total, "percent": round(100 / total)}
    assert data["message"] == f"“{topic.title}”: skipped."


def test_unknown_status_is_a_400_and_changes_nothing(client, user, topic):
    client.force_login(user)
    response = client.post(_topic_url(topic), {"status": "mastered"})
    assert response.status_code == 400
    assert "Choose one of" in response.content.decode()
    assert client.post(_topic_url(topic), {"status": "x"}, **JSON).json()["ok"] is False
    assert not TopicProgress.objects.exists()


def test_get_is_not_allowed(client, user, topic):
    client.force_login(user)
    assert client.get(_topic_url(topic)).status_code == 405


def test_unknown_topic_is_404(client, user, topic):
    client.force_login(user)
    url = reverse("roadmap:topic_progress", args=["ai-engineer", "python", "no-such-topic"])
    assert client.post(url, {"status": "done"}).status_code == 404
    # A topic of another step through this step's URL is not found either.
    other = Topic.objects.filter(step__roadmap=topic.step.roadmap).exclude(step=topic.step).first()
    url = reverse("roadmap:topic_progress", args=["ai-engineer", "python", other.slug])
    assert client.post(url, {"status": "done"}).status_code == 404


def test_csrf_is_enforced(user, topic):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(_topic_url(topic), {"status": "done"}).status_code == 403
    assert client.post(_topic_url(topic), {"status": "done"}, **JSON).status_code == 403
    assert not TopicProgress.objects.exists()


def test_progress_and_notes_are_private_to_their_owner(client, owner, outsider, topic):
    row = mark_topic(user=owner, topic=topic, status="done")
    row.note = "owner's *secret* plan"
    row.save()
    client.force_login(outsider)
    page = client.get(_step_url(topic.step)).content.decode()
    assert "secret" not in page
    assert f'id="topic-{topic.slug}" data-state="not_started"' in page
    # The outsider's posts change only the outsider's own rows.
    client.post(_topic_url(topic), {"status": "learning"})
    client.post(_topic_url(topic, "roadmap:topic_note"), {"note": "mine"})
    row.refresh_from_db()
    assert (row.status, row.note) == ("done", "owner's *secret* plan")
    assert TopicProgress.objects.get(user=outsider, topic=topic).note == "mine"
    client.force_login(owner)
    page = client.get(_step_url(topic.step)).content.decode()
    assert "owner's <em>secret</em> plan" in page


def test_note_is_markdown_sanitised_and_can_be_removed(client, user, topic):
    client.force_login(user)
    response = client.post(
        _topic_url(topic, "roadmap:topic_note"), {"note": "**Key** idea <script>alert(1)</script>"}, **JSON
    )
    data = response.json()
    assert data["note"] == "**Key** idea <script>alert(1)</script>"
    assert "<strong>Key</strong>" in data["note_html"]
    assert "<script" not in data["note_html"]
    row = TopicProgress.objects.get(user=user, topic=topic)
    assert row.status == "not_started"
    page = client.get(_step_url(topic.step)).content.decode()
    assert "<strong>Key</strong> idea" in page
    assert "<script>alert(1)</script>" not in page
    # An empty note on an untouched topic leaves no row behind.
    response = client.post(_topic_url(topic, "roadmap:topic_note"), {"note": ""})
    assert response.status_code == 302
    assert not TopicProgress.objects.filter(user=user).exists()


def test_note_too_long_is_refused_with_a_message(client, user, topic):
    client.force_login(user)
    response = client.post(_topic_url(topic, "roadmap:topic_note"), {"note": "x" * 20001})
    assert response.status_code == 400
    assert "at most 20,000 characters" in response.content.decode()


def test_mark_step_done_and_reset(client, user, topic):
    client.force_login(user)
    step = topic.step
    url = reverse("roadmap:step_progress", args=["ai-engineer", step.slug])
    topics = list(step.topics.order_by("order"))
    mark_topic(user=user, topic=topics[1], status="skipped")
    note_row = mark_topic(user=user, topic=topics[2], status="learning")
    note_row.note = "keep me"
    note_row.save()

    response = client.post(url, {"action": "done"})
    assert response.status_code == 302
    assert response["Location"] == "/roadmaps/ai-engineer/steps/python/#topics-heading"
    states = dict(TopicProgress.objects.filter(user=user).values_list("topic_id", "status"))
    assert states[topics[1].pk] == "skipped"
    assert [states[t.pk] for t in topics if t != topics[1]] == ["done"] * (len(topics) - 1)

    data = client.post(url, {"action": "reset"}, **JSON).json()
    assert {s["state"] for s in data["topics"].values()} == {"not_started"}
    assert data["bars"]["step-python"]["done"] == 0
    # Every row is back to "not started", the note kept.
    assert not TopicProgress.objects.filter(user=user).exclude(status="not_started").exists()
    left = TopicProgress.objects.get(user=user, topic=topics[2])
    assert (left.status, left.note, left.started_at, left.completed_at) == ("not_started", "keep me", None, None)
    assert client.post(url, {"action": "explode"}).status_code == 400


def test_step_page_shows_step_phase_and_overall_bars(client, user, topic):
    client.force_login(user)
    page = client.get(_step_url(topic.step)).content.decode()
    assert 'data-progress="step-python"' in page
    assert 'data-progress="phase-foundation"' in page
    assert 'data-progress="overall"' in page
    assert "Mark step done" in page
    assert "js/progress.js" in page


def test_roadmap_page_shows_phase_and_step_bars_when_signed_in(client, user, topic):
    mark_topic(user=user, topic=topic, status="done")
    page = client.get(reverse("roadmap:detail", args=["ai-engineer"])).content.decode()
    assert 'data-progress="overall"' not in page
    client.force_login(user)
    page = client.get(reverse("roadmap:detail", args=["ai-engineer"])).content.decode()
    assert 'data-progress="overall"' in page
    assert 'data-progress="phase-foundation"' in page
    assert 'data-progress="step-python"' in page
    total = topic.step.topics.count()
    assert f"1 of {total}" in page


def _fill(user, roadmap, fraction):
    topics = list(Topic.objects.filter(step__roadmap=roadmap).order_by("step__number", "order"))
    TopicProgress.objects.bulk_create(
        TopicProgress(user=user, topic=t, status="done", note="a note", note_html="<p>a note</p>")
        for t in topics[: int(len(topics) * fraction)]
    )


@pytest.mark.parametrize("action", ["topic", "step"])
def test_progress_post_query_count_is_the_same_for_1x_and_10x_content_and_progress(
    client, django_assert_max_num_queries, action
):
    def poster(roadmap):
        step = roadmap.steps.get(slug="step-1")
        if action == "topic":
            topic = step.topics.order_by("order").first()
            url = reverse("roadmap:topic_progress", args=[roadmap.slug, step.slug, topic.slug])
            data = {"status": "learning"}
        else:
            url, data = reverse("roadmap:step_progress", args=[roadmap.slug, step.slug]), {"action": "reset"}
        return lambda: client.post(url, data, **JSON)

    small = build_roadmap(steps_per_phase=1, topics_per_step=3, optional_steps=1, slug="ai-engineer")
    user = UserFactory()
    _fill(user, small, 0.5)
    client.force_login(user)
    post = poster(small)
    post()  # the first mark of a topic creates its row; measure a change of state
    with CaptureQueriesContext(connection) as queries:
        assert post().json()["ok"] is True
    budget = len(queries)
    # Marking a topic: the session (unless the cache holds it), the user, the topic, its row (locked)
    # and its update, then the roadmap's topic order and the learner's states for the answer, plus
    # the savepoints of the transaction. A step: its transaction's few statements.
    session = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    assert budget <= session + (11 if action == "topic" else 12)

    Roadmap.objects.filter(pk=small.pk).update(slug="old", published=False)
    large = build_roadmap(steps_per_phase=10, topics_per_step=30, optional_steps=1, slug="ai-engineer")
    _fill(user, large, 0.5)
    post = poster(large)
    post()
    with django_assert_max_num_queries(budget):
        data = post().json()
    assert len(data["topics"]) == 30


def test_progress_views_follow_content_changes_at_once(client, user, topic):
    """A topic added or removed counts at once in the bars the progress views answer with."""
    client.force_login(user)
    step = topic.step
    total = step.topics.count()
    assert client.post(_topic_url(topic), {"status": "done"}, **JSON).json()["bars"]["step-python"]["total"] == total
    added = Topic.objects.create(step=step, slug="brand-new", title="Brand new", order=99)
    data = client.post(_topic_url(added), {"status": "learning"}, **JSON).json()
    assert data["topics"]["brand-new"] == {"state": "learning", "label": "Learning"}
    assert data["bars"]["step-python"]["total"] == total + 1
    added.delete()
    assert client.post(_topic_url(added), {"status": "done"}, **JSON).status_code == 404
    assert client.post(_topic_url(topic), {"status": "done"}, **JSON).json()["bars"]["step-python"]["total"] == total


def test_marking_keeps_the_first_start_and_completion(user, topic):
    first = mark_topic(user=user, topic=topic, status="learning")
    assert first.started_at is not None
    assert first.completed_at is None
    done = mark_topic(user=user, topic=topic, status="done")
    assert done.pk == first.pk
    assert done.started_at == first.started_at
    assert done.completed_at is not None
    again = mark_topic(user=user, topic=topic, status="skipped")
    assert again.completed_at == done.completed_at
    back = mark_topic(user=user, topic=topic, status="not_started")
    assert back.completed_at is None
    assert back.started_at == first.started_at
    row = TopicProgress.objects.get(user=user, topic=topic)
    assert (row.status, row.started_at, row.completed_at) == ("not_started", first.started_at, None)
    assert TopicProgress.objects.filter(user=user).count() == 1


def test_marking_a_topic_keeps_its_note(client, user, topic):
    row = mark_topic(user=user, topic=topic, status="learning")
    row.note = "**keep** me"
    row.save()
    client.force_login(user)
    client.post(_topic_url(topic), {"status": "done"}, **JSON)
    row = TopicProgress.objects.get(user=user, topic=topic)
    assert (row.status, row.note, row.note_html) == ("done", "**keep** me", "<p><strong>keep</strong> me</p>")
    assert row.started_at is not None
    assert row.completed_at is not None


def test_progress_post_to_an_unpublished_roadmap_is_404(client, user, topic):
    Roadmap.objects.filter(slug="ai-engineer").update(published=False)
    client.force_login(user)
    assert client.post(_topic_url(topic), {"status": "done"}, **JSON).status_code == 404
    step_url = reverse("roadmap:step_progress", args=["ai-engineer", topic.step.slug])
    assert client.post(step_url, {"action": "done"}, **JSON).status_code == 404
    assert not TopicProgress.objects.exists()
