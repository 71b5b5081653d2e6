"""The 12-month plan maths: roadmap.plan.plan_status at its boundaries."""

from datetime import UTC, date, datetime, timedelta

import pytest

from roadmap.models import Topic, TopicProgress
from roadmap.plan import add_months, plan_status
from roadmap.services import mark_topic
from tests.factories import UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)


@pytest.fixture
def plan_roadmap():
    # 4 phases x 1 step x 12 topics: 48 required topics, the plan expects 4 a month.
    return build_roadmap(steps_per_phase=1, topics_per_step=12, optional_steps=1)


def _learner(start=START, tz="UTC"):
    return UserFactory(plan_start_date=start, timezone=tz)


def _mark(user, roadmap, count, status=TopicProgress.Status.DONE):
    topics = Topic.objects.filter(step__roadmap=roadmap, step__optional=False).order_by("step__number", "order")
    for topic in topics[:count]:
        mark_topic(user=user, topic=topic, status=status)


def test_start_today_with_nothing_done_is_on_track_in_month_one(plan_roadmap):
    user = _learner()
    status = plan_status(user, plan_roadmap, today=START)
    assert status.start_date == START
    assert status.today == START
    assert status.plan_month == 1
    assert status.expected_percent == 0
    assert status.actual_percent == 0
    assert status.weeks_delta == 0
    assert status.state == "on_track"
    assert status.summary == "On track"
    assert status.expected_phase.slug == "foundation"
    assert status.actual_phase.slug == "foundation"
    assert status.projected_finish is None
    assert status.plan_end == date(2026, 12, 31)


def test_nothing_done_thirteen_months_in_is_far_behind(plan_roadmap):
    user = _learner()
    today = date(2027, 2, 1)
    status = plan_status(user, plan_roadmap, today=today)
    assert status.plan_month == 14
    assert status.expected_percent == 100
    assert status.actual_percent == 0
    assert status.weeks_delta == -57  # 396 days
    assert status.state == "behind"
    assert status.summary == "Behind by 57 weeks"
    # After the 12 months the plan expects the last phase.
    assert status.expected_phase.slug == "advanced"
    assert status.projected_finish is None


def test_all_done_is_finished_whenever_it_happens(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 48)
    for today in (START, date(2026, 6, 15), date(2027, 2, 1)):
        status = plan_status(user, plan_roadmap, today=today)
        assert status.state == "finished"
        assert status.actual_percent == 100
        assert status.summary == "Finished: every required topic is done"
        assert status.actual_phase.slug == "advanced"
        assert status.projected_finish is None


def test_skipped_topics_count_as_finished_and_optional_steps_do_not_count(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 48, status=TopicProgress.Status.SKIPPED)
    optional = Topic.objects.filter(step__roadmap=plan_roadmap, step__optional=True)
    assert optional.count() == 12  # untouched, yet the plan is finished
    assert plan_status(user, plan_roadmap, today=date(2026, 3, 1)).state == "finished"


def test_future_start_date_has_not_started(plan_roadmap):
    user = _learner(start=date(2026, 3, 1))
    status = plan_status(user, plan_roadmap, today=date(2026, 2, 10))
    assert status.plan_month == 0
    assert status.state == "not_started"
    assert status.expected_percent == 0
    assert status.expected_phase is None
    assert status.weeks_delta == 0
    assert status.summary == "Your plan starts on 1 March 2026"


def test_future_start_with_everything_done_is_finished(plan_roadmap):
    user = _learner(start=date(2026, 3, 1))
    _mark(user, plan_roadmap, 48)
    assert plan_status(user, plan_roadmap, today=date(2026, 2, 10)).state == "finished"


def test_exactly_on_plan_after_one_month(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 4)
    status = plan_status(user, plan_roadmap, today=date(2026, 2, 1))
    assert status.plan_month == 2
    assert status.expected_percent == 8  # 4 of 48
    assert status.actual_percent == 8
    assert status.weeks_delta == 0
    assert status.state == "on_track"
    # 4 topics in 32 days: 44 more take 352 days.
    assert status.projected_finish == date(2026, 2, 1) + timedelta(days=352)


def test_no_projected_finish_from_the_first_two_weeks(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 6)
    # Six topics on the first evening would "finish" the year's plan in a week: too early to say.
    assert plan_status(user, plan_roadmap, today=date(2026, 1, 1)).projected_finish is None
    assert plan_status(user, plan_roadmap, today=date(2026, 1, 13)).projected_finish is None
    # 6 topics in 14 days: 42 more take 98 days.
    assert plan_status(user, plan_roadmap, today=date(2026, 1, 14)).projected_finish == date(2026, 4, 22)


def test_a_whole_phase_done_in_the_first_month_is_ahead(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 12)
    status = plan_status(user, plan_roadmap, today=date(2026, 2, 1))
    # The plan expects 12 topics on 1 April: 59 days from 1 February.
    assert status.weeks_delta == 8
    assert status.state == "ahead"
    assert status.summary == "Ahead by 8 weeks"
    assert status.expected_phase.slug == "foundation"
    # Foundation is complete: their progress puts them at the start of Core ML.
    assert status.actual_phase.slug == "core-ml"
    assert status.actual_percent == 25


def test_half_a_month_short_is_behind_by_two_weeks(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 2)
    status = plan_status(user, plan_roadmap, today=date(2026, 2, 1))
    # The plan expected 2 topics on 17 January: 15 days ago.
    assert status.weeks_delta == -2
    assert status.state == "behind"
    assert status.summary == "Behind by 2 weeks"


@pytest.mark.parametrize(
    ("today", "weeks", "state"),
    [
        (date(2026, 2, 1) + timedelta(days=3), 0, "on_track"),
        (date(2026, 2, 1) + timedelta(days=10), -1, "on_track"),  # 1.4 weeks rounds to 1: still on track
        (date(2026, 2, 1) + timedelta(days=11), -2, "behind"),  # 1.6 weeks rounds to 2
        (date(2026, 2, 1) - timedelta(days=10), 1, "on_track"),
        (date(2026, 2, 1) - timedelta(days=11), 2, "ahead"),
    ],
)
def test_on_track_means_within_one_week(plan_roadmap, today, weeks, state):
    user = _learner()
    _mark(user, plan_roadmap, 4)  # the plan expects 4 on 1 February
    status = plan_status(user, plan_roadmap, today=today)
    assert (status.weeks_delta, status.state) == (weeks, state)


def test_singular_week_in_summary(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 4)
    assert plan_status(user, plan_roadmap, today=date(2026, 2, 8)).summary == "On track"
    status = plan_status(user, plan_roadmap, today=date(2026, 2, 1) + timedelta(days=14))
    assert status.summary == "Behind by 2 weeks"


def test_plan_start_defaults_to_the_sign_up_day_in_the_learners_zone(plan_roadmap):
    # Signed up at 23:30 UTC on 31 December, which is already 1 January in Berlin.
    user = UserFactory(timezone="Europe/Berlin", date_joined=datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    status = plan_status(user, plan_roadmap, today=date(2026, 1, 1))
    assert status.start_date == date(2026, 1, 1)
    assert status.plan_month == 1


@pytest.mark.parametrize(
    ("tz", "now", "local_day", "plan_month"),
    [
        # 11:00 UTC on 28 Feb is already 00:00 on 1 March in Auckland (UTC+13): the plan has begun.
        ("Pacific/Auckland", datetime(2026, 2, 28, 11, 0, tzinfo=UTC), date(2026, 3, 1), 1),
        # 07:59 UTC on 1 March is still 28 February in Los Angeles (UTC-8): it has not.
        ("America/Los_Angeles", datetime(2026, 3, 1, 7, 59, tzinfo=UTC), date(2026, 2, 28), 0),
        ("America/Los_Angeles", datetime(2026, 3, 1, 8, 0, tzinfo=UTC), date(2026, 3, 1), 1),
        ("UTC", datetime(2026, 2, 28, 23, 59, tzinfo=UTC), date(2026, 2, 28), 0),
    ],
)
def test_today_is_the_learners_local_date_across_midnight(plan_roadmap, tz, now, local_day, plan_month):
    user = _learner(start=date(2026, 3, 1), tz=tz)
    today = user.today(now=now)
    assert today == local_day
    assert plan_status(user, plan_roadmap, today=today).plan_month == plan_month


def test_months_are_calendar_months_clamped_at_the_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_month_thirteen_starts_exactly_twelve_months_later(plan_roadmap):
    user = _learner()
    assert plan_status(user, plan_roadmap, today=date(2026, 12, 31)).plan_month == 12
    assert plan_status(user, plan_roadmap, today=date(2027, 1, 1)).plan_month == 13


def test_plan_status_on_the_real_roadmap(roadmap, user):
    status = plan_status(user, roadmap, today=user.plan_start)
    assert status.plan_month == 1
    assert status.expected_phase.slug == "foundation"
    assert [p.slug for p in status.phases] == ["foundation", "core-ml", "specialization", "advanced"]
