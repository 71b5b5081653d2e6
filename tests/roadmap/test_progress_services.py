"""Progress writes and reads: stable identities across content edits, step done / reset, notes."""

import pytest

from roadmap.models import Topic, TopicProgress
from roadmap.selectors import next_topics, progress_for
from roadmap.services import mark_topic, mark_topics, step_mark_done, step_reset, topic_note_set
from tests.factories import UserFactory, build_roadmap

pytestmark = pytest.mark.django_db


@pytest.fixture
def small():
    return build_roadmap(steps_per_phase=1, topics_per_step=4, optional_steps=1)


def _topics(roadmap, number):
    return list(Topic.objects.filter(step__roadmap=roadmap, step__number=number).order_by("order"))


def test_renaming_reordering_and_moving_a_topic_keeps_progress(small):
    user = UserFactory()
    topic = _topics(small, 1)[0]
    mark_topic(user=user, topic=topic, status="done")
    topic.title = "A new name"
    topic.order = 99
    topic.step = small.steps.get(number=2)
    topic.save()
    progress = progress_for(user, small)
    assert progress.state_of(topic.pk) == "done"
    assert progress.step(topic.step_id).done == 1
    assert progress.step(small.steps.get(number=1).pk).done == 0
    assert progress.overall.done == 1


def test_deleting_a_topic_removes_it_from_the_percentages(small):
    user = UserFactory()
    first, second, *_ = _topics(small, 1)
    mark_topic(user=user, topic=first, status="done")
    mark_topic(user=user, topic=second, status="done")
    before = progress_for(user, small)
    assert (before.overall.done, before.overall.total) == (2, 16)
    first.delete()
    after = progress_for(user, small)
    assert (after.overall.done, after.overall.total) == (1, 15)
    assert after.step(second.step_id).percent == 33
    assert TopicProgress.objects.filter(user=user).count() == 1


def test_optional_steps_count_for_the_step_but_not_overall(small):
    user = UserFactory()
    optional = Topic.objects.filter(step__roadmap=small, step__optional=True).first()
    mark_topic(user=user, topic=optional, status="done")
    progress = progress_for(user, small)
    assert progress.step(optional.step_id).done == 1
    assert progress.overall.done == 0
    assert progress.phase(optional.step.phase_id).done == 0


def test_step_done_then_reset_keeps_skips_and_notes(small):
    user = UserFactory()
    step = small.steps.get(number=1)
    a, b, c, d = _topics(small, 1)
    mark_topic(user=user, topic=b, status="skipped")
    mark_topic(user=user, topic=c, status="learning")
    topic_note_set(user=user, topic=d, note="my note")
    assert step_mark_done(user=user, step=step) == 3
    states = dict(TopicProgress.objects.filter(user=user).values_list("topic_id", "status"))
    assert states == {a.pk: "done", b.pk: "skipped", c.pk: "done", d.pk: "done"}
    assert TopicProgress.objects.filter(user=user, completed_at=None).count() == 0
    assert step_mark_done(user=user, step=step) == 0

    assert step_reset(user=user, step=step) == 4
    rows = TopicProgress.objects.filter(user=user).exclude(status="not_started")
    assert not rows.exists()
    assert TopicProgress.objects.get(user=user, topic=d).note == "my note"
    assert progress_for(user, small).step(step.pk).done == 0


def test_one_learners_step_actions_never_touch_another_learners_rows(small):
    learner, other = UserFactory(), UserFactory()
    step = small.steps.get(number=1)
    mark_topic(user=other, topic=_topics(small, 1)[0], status="learning")
    step_mark_done(user=learner, step=step)
    step_reset(user=learner, step=step)
    assert list(TopicProgress.objects.filter(user=other).values_list("status", flat=True)) == ["learning"]


def test_note_set_renders_sanitised_markdown_and_empty_note_cleans_up(small):
    user = UserFactory()
    topic = _topics(small, 1)[0]
    row = topic_note_set(user=user, topic=topic, note="  **bold** [x](javascript:alert(1))\r\n")
    assert row.note == "**bold** [x](javascript:alert(1))"
    assert "<strong>bold</strong>" in row.note_html
    assert "javascript" not in row.note_html
    assert topic_note_set(user=user, topic=topic, note="") is None
    assert not TopicProgress.objects.filter(user=user).exists()
    # A note cleared on a topic with progress keeps the progress.
    mark_topic(user=user, topic=topic, status="done")
    topic_note_set(user=user, topic=topic, note="x")
    row = topic_note_set(user=user, topic=topic, note="")
    assert (row.status, row.note, row.note_html) == ("done", "", "")


def test_next_topics_skip_finished_and_optional_topics(small):
    user = UserFactory()
    first_step = _topics(small, 1)
    for topic in first_step[:3]:
        mark_topic(user=user, topic=topic, status="done")
    titles = [t.title for t in next_topics(user, small, limit=5)]
    assert titles == [first_step[3].title] + [t.title for t in _topics(small, 2)]


def test_marking_many_topics_at_once_ends_as_marking_them_one_by_one(small):
    """mark_topics (the bulk API's one statement) leaves the rows as the same marks made in order would:
    the last state of a topic wins, and it keeps a start if any of its states started it."""
    topics = list(Topic.objects.filter(step__roadmap=small).order_by("step__number", "order"))[:6]
    a, b, c, d, e, f = topics
    before = [(a, "done"), (b, "learning"), (c, "skipped")]
    changes = [
        (a, "learning"),  # done -> learning: completion cleared, start kept
        (b, "done"),
        (d, "done"),
        (d, "not_started"),  # started, then back: the start stays, as one by one
        (e, "skipped"),
        (c, "not_started"),
        (f, "not_started"),  # never started
        (e, "done"),
    ]
    one_by_one, at_once = UserFactory(), UserFactory()
    for user in (one_by_one, at_once):
        for topic, status in before:
            mark_topic(user=user, topic=topic, status=status)
    for topic, status in changes:
        mark_topic(user=one_by_one, topic=topic, status=status)
    assert mark_topics(user=at_once, changes=changes) == 6

    def rows(user):
        return {
            (row.topic_id, row.status, row.started_at is None, row.completed_at is None)
            for row in TopicProgress.objects.filter(user=user)
        }

    assert rows(at_once) == rows(one_by_one)
    assert (d.pk, "not_started", False, True) in rows(at_once)
    assert (f.pk, "not_started", True, True) in rows(at_once)
    assert progress_for(at_once, small).overall.done == progress_for(one_by_one, small).overall.done == 2


def test_marking_more_topics_than_one_statement_takes(django_assert_max_num_queries):
    roadmap = build_roadmap(steps_per_phase=2, topics_per_step=30)
    topics = list(Topic.objects.filter(step__roadmap=roadmap))
    user = UserFactory()
    # The learner's rows for these topics (locked) and one upsert, whatever their number, in a
    # transaction (its savepoint and release).
    with django_assert_max_num_queries(6):
        assert mark_topics(user=user, changes=[(topic, "done") for topic in topics]) == len(topics)
    assert TopicProgress.objects.filter(user=user, status="done", completed_at__isnull=False).count() == len(topics)
    with pytest.raises(ValueError, match="Unknown status"):
        mark_topics(user=user, changes=[(topics[0], "finished")])
    assert mark_topics(user=user, changes=[]) == 0
