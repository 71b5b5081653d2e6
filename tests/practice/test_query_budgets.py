"""The practice pages cost the same number of queries whatever the learner's history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice import services
from roadmap.models import Step, Topic, TopicProgress
from roadmap.services import mark_topics

pytestmark = pytest.mark.django_db


def _history(user, topics: int, attempts: int):
    done = list(Topic.objects.order_by("id")[:topics])
    mark_topics(user=user, changes=[(topic, "done") for topic in done])
    TopicProgress.objects.filter(user=user).update(completed_at=timezone.now() - timedelta(days=30))
    step = Step.objects.get(slug="sql")
    answers = {q.pk: [q.choices.first().pk] for q in step.questions.prefetch_related("choices")}
    for _ in range(attempts):
        services.check_submit(user=user, step=step, answers=answers)


def _queries(client, path):
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "path",
    ["/roadmaps/ai-engineer/steps/sql/check/", "/review/", "/review/calendar/", "/roadmaps/ai-engineer/steps/sql/"],
)
def test_pages_cost_the_same_for_a_small_and_a_large_history(client, roadmap, user, path):
    from tests.factories import UserFactory

    small, large = user, UserFactory()
    _history(small, topics=2, attempts=1)
    _history(large, topics=40, attempts=12)
    client.force_login(small)
    _queries(client, path)  # the roadmap's cached values are filled once for everybody
    few = _queries(client, path)
    client.force_login(large)
    many = _queries(client, path)
    assert many == few, (path, few, many)


def test_the_calendar_feed_costs_the_same_for_a_small_and_a_large_history(client, roadmap, user):
    from tests.factories import UserFactory

    counts = []
    for learner, topics in ((user, 2), (UserFactory(), 40)):
        _history(learner, topics=topics, attempts=1)
        feed = services.calendar_feed_reset(user=learner)
        _queries(client, f"/calendar/{feed.token}.ics")  # the first fetch notes its time
        counts.append(_queries(client, f"/calendar/{feed.token}.ics"))
    assert counts[0] == counts[1]
