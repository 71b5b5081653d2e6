"""The monthly email says how many done topics are due for review, alone and in a batch."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.reminders import build_reminder_message, reminder_batch, reminder_context
from roadmap.models import Topic, TopicProgress
from roadmap.services import mark_topic
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PERIOD = "2026-12"


def _due(user, *slugs):
    for slug in slugs:
        row = mark_topic(user=user, topic=Topic.objects.get(slug=slug), status="done")
        TopicProgress.objects.filter(pk=row.pk).update(completed_at=timezone.now() - timedelta(days=5))


def _bodies(message):
    return message.body, message.alternatives[0][0]


def test_the_email_mentions_reviews_due_with_a_link(roadmap, user):
    _due(user, "python-oop", "sql-basic-queries")
    text, html = _bodies(build_reminder_message(user, period=PERIOD))
    assert "Review: 2 topics you have done are due for a short review, so that you keep them:" in text
    assert "/review/" in text
    assert "<strong>2 topics</strong> you have done are due for a short review" in html
    assert 'href="http' in html.split("review now")[0].rsplit("<a ", 1)[1]


def test_nothing_due_says_nothing(roadmap, user):
    text, html = _bodies(build_reminder_message(user, period=PERIOD))
    assert "due for a short review" not in text
    assert "due for a short review" not in html


def test_a_batch_counts_each_learners_reviews_in_one_go(roadmap, user):
    other = UserFactory()
    _due(user, "python-oop")
    _due(other, "python-oop", "sql-basic-queries", "git-branching-strategies")
    batch = reminder_batch([user, other], period=PERIOD, roadmap=roadmap)
    assert batch.reviews_due == {user.pk: 1, other.pk: 3}
    assert reminder_context(other, period=PERIOD, roadmap=roadmap, batch=batch)["reviews_due"] == 3
