"""The plan in hours: roadmap.plan.plan_status at its boundaries, at the learner's weekly pace."""

from datetime import UTC, date, datetime, timedelta

import pytest

from roadmap.models import Topic, TopicProgress
from roadmap.plan import STANDARD_HOURS_PER_WEEK, add_months, phase_hours, plan_milestones, plan_status
from roadmap.selectors import progress_for
from roadmap.services import mark_topic
from tests.factories import UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)
PACE = 12  # hours a week
TOPIC_HOURS = 13  # 48 topics x 13 h = 624 h = 52 weeks at 12 h/week; a phase is 156 h = 13 weeks


@pytest.fixture
def plan_roadmap():
    # 4 phases x 1 step x 12 topics: 48 required topics, plus an optional step of 12.
    roadmap = build_roadmap(steps_per_phase=1, topics_per_step=12, optional_steps=1)
    Topic.objects.filter(step__roadmap=roadmap).update(hours=TOPIC_HOURS)
    return roadmap


def _learner(start=START, tz="UTC", pace=PACE):
    return UserFactory(plan_start_date=start, timezone=tz, hours_per_week=pace)


def _topics(roadmap):
    return Topic.objects.filter(step__roadmap=roadmap, step__optional=False).order_by("step__number", "order")


def _mark(user, roadmap, count, status=TopicProgress.Status.DONE, offset=0):
    for topic in _topics(roadmap)[offset : offset + count]:
        mark_topic(user=user, topic=topic, status=status)


def test_start_today_with_nothing_done_is_on_track_and_ends_in_month_twelve(plan_roadmap):
    user = _learner()
    status = plan_status(user, plan_roadmap, today=START)
    assert (status.start_date, status.today, status.plan_month) == (START, START, 1)
    assert (status.total_hours, status.done_hours, status.expected_hours) == (624, 0, 0)
    assert (status.expected_percent, status.actual_percent, status.weeks_delta) == (0, 0, 0)
    assert (status.state, status.summary) == ("on_track", "On track")
    assert status.expected_phase.slug == "foundation"
    assert status.actual_phase.slug == "foundation"
    # 52 weeks: the last day is day 364.
    assert status.plan_end == START + timedelta(days=363) == date(2026, 12, 30)
    assert status.plan_months == 12
    assert status.projected_finish == date(2026, 12, 30)
    assert status.finish_month == 12
    assert status.pace_summary == "At 12 h/week you finish in month 12 (December 2026)"


def test_changing_the_pace_changes_the_plan(plan_roadmap):
    slow = plan_status(_learner(pace=6), plan_roadmap, today=START)
    assert slow.plan_end == START + timedelta(days=727)
    assert (slow.plan_months, slow.finish_month) == (24, 24)
    assert slow.pace_summary == "At 6 h/week you finish in month 24 (December 2027)"
    fast = plan_status(_learner(pace=24), plan_roadmap, today=START)
    assert fast.plan_end == START + timedelta(days=181) == date(2026, 7, 1)
    assert fast.finish_month == 7
    # The same 28 days expect twice the hours at twice the pace.
    assert plan_status(_learner(pace=24), plan_roadmap, today=START + timedelta(days=28)).expected_hours == 96
    assert plan_status(_learner(pace=12), plan_roadmap, today=START + timedelta(days=28)).expected_hours == 48


def test_a_learner_without_a_pace_gets_the_standard_one(plan_roadmap):
    status = plan_status(_learner(pace=0), plan_roadmap, today=START)
    assert status.hours_per_week == STANDARD_HOURS_PER_WEEK


def test_expected_position_and_weeks_ahead_are_in_hours(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 4)  # 52 h
    status = plan_status(user, plan_roadmap, today=START + timedelta(days=28))
    assert status.plan_month == 1
    assert (status.expected_hours, status.done_hours) == (48, 52)
    assert (status.expected_percent, status.actual_percent) == (8, 8)
    assert (status.weeks_delta, status.state) == (0, "on_track")


def test_a_whole_phase_done_in_four_weeks_is_nine_weeks_ahead(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 12)  # 156 h
    status = plan_status(user, plan_roadmap, today=START + timedelta(days=28))
    assert status.weeks_delta == 9  # (156 - 48) / 12
    assert (status.state, status.summary) == ("ahead", "Ahead by 9 weeks")
    assert status.expected_phase.slug == "foundation"
    # Foundation is complete: their progress puts them at the start of Core ML.
    assert status.actual_phase.slug == "core-ml"
    assert status.actual_percent == 25


def test_nothing_done_after_three_weeks_is_behind_by_three(plan_roadmap):
    status = plan_status(_learner(), plan_roadmap, today=START + timedelta(days=21))
    assert (status.weeks_delta, status.state, status.summary) == (-3, "behind", "Behind by 3 weeks")


@pytest.mark.parametrize(
    ("days", "weeks", "state"),
    [(28 + 3, 0, "on_track"), (28 + 10, -1, "on_track"), (28 + 11, -2, "behind"), (28 - 11, 2, "ahead")],
)
def test_on_track_means_within_one_week(plan_roadmap, days, weeks, state):
    user = _learner()
    _mark(user, plan_roadmap, 4)  # 52 h: the plan expects them after 30.3 days
    status = plan_status(user, plan_roadmap, today=START + timedelta(days=days + 2))
    assert (status.weeks_delta, status.state) == (weeks, state)


def test_projected_finish_is_the_remaining_hours_at_the_pace_from_today(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 24)  # 312 h done, 312 h left: 26 weeks
    today = date(2026, 4, 10)
    status = plan_status(user, plan_roadmap, today=today)
    assert status.projected_finish == today + timedelta(days=181)
    assert status.finish_month == 10
    user.hours_per_week = 24
    assert plan_status(user, plan_roadmap, today=today).projected_finish == today + timedelta(days=90)


def test_skipping_everything_finishes_nothing(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 48, status=TopicProgress.Status.SKIPPED)
    progress = progress_for(user, plan_roadmap)
    assert (progress.overall.done, progress.overall.total, progress.overall.skipped) == (0, 0, 48)
    status = plan_status(user, plan_roadmap, today=date(2026, 3, 1), progress=progress)
    assert status.state == "not_started"
    assert status.summary == "Every required topic is skipped: nothing left to track"
    assert (status.actual_percent, status.done_hours, status.skipped) == (0, 0, 48)
    assert status.projected_finish is None
    assert status.pace_summary == "Nothing left to plan: every required topic is skipped"


def test_skipped_topics_leave_the_plan_and_shorten_it(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 12, status=TopicProgress.Status.SKIPPED)  # all of Foundation
    status = plan_status(user, plan_roadmap, today=START)
    assert status.total_hours == 468
    assert status.plan_end == START + timedelta(days=272)
    assert status.expected_phase.slug == "core-ml"
    assert status.skipped == 12


def test_optional_steps_do_not_count(plan_roadmap):
    user = _learner()
    for topic in Topic.objects.filter(step__roadmap=plan_roadmap, step__optional=True):
        mark_topic(user=user, topic=topic, status="done")
    status = plan_status(user, plan_roadmap, today=date(2026, 3, 1))
    assert (status.done_hours, status.total_hours, status.actual_percent) == (0, 624, 0)


def test_all_done_is_finished_whenever_it_happens(plan_roadmap):
    user = _learner()
    _mark(user, plan_roadmap, 48)
    for today in (START - timedelta(days=3), START, date(2026, 6, 15), date(2027, 2, 1)):
        status = plan_status(user, plan_roadmap, today=today)
        assert status.state == "finished"
        assert status.actual_percent == 100
        assert status.summary == "Finished: every required topic is done"
        assert status.actual_phase.slug == "advanced"
        assert status.projected_finish is None
        assert status.pace_summary == "Finished: every topic of your plan is done"


def test_future_start_date_has_not_started_and_projects_from_the_start(plan_roadmap):
    user = _learner(start=date(2026, 3, 1))
    status = plan_status(user, plan_roadmap, today=date(2026, 2, 10))
    assert (status.plan_month, status.state, status.expected_percent, status.weeks_delta) == (0, "not_started", 0, 0)
    assert status.expected_phase is None
    assert status.summary == "Your plan starts on 1 March 2026"
    assert status.projected_finish == date(2026, 3, 1) + timedelta(days=363)


def test_nothing_done_thirteen_months_in_expects_everything(plan_roadmap):
    status = plan_status(_learner(), plan_roadmap, today=date(2027, 2, 1))
    assert status.plan_month == 14
    assert (status.expected_percent, status.expected_hours) == (100, 624)
    assert status.weeks_delta == -52
    assert status.expected_phase.slug == "advanced"
    # From today, the whole plan is still 52 weeks away.
    assert status.projected_finish == date(2027, 2, 1) + timedelta(days=363) == date(2028, 1, 30)
    assert status.finish_month == 25


def test_milestones_place_each_phase_and_step_at_the_pace(plan_roadmap):
    user = _learner()
    status = plan_milestones(user, plan_roadmap, today=START)
    phases = [m for m in status.milestones if m.kind == "phase"]
    steps = [m for m in status.milestones if m.kind == "step"]
    assert [(m.slug, m.start, m.finish, m.hours) for m in phases] == [
        ("foundation", START, START + timedelta(days=90), 156),
        ("core-ml", START + timedelta(days=91), START + timedelta(days=181), 156),
        ("specialization", START + timedelta(days=182), START + timedelta(days=272), 156),
        ("advanced", START + timedelta(days=273), START + timedelta(days=363), 156),
    ]
    # The optional step is not on the plan.
    assert [m.number for m in steps] == [1, 2, 3, 4]
    assert steps[1].start == START + timedelta(days=91)


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


def test_each_phase_of_the_real_roadmap_fits_its_months_at_the_standard_pace(roadmap):
    for phase, hours in phase_hours(roadmap):
        weeks = (phase.end_month - phase.start_month + 1) * 52 / 12
        assert abs(hours - weeks * STANDARD_HOURS_PER_WEEK) <= 5, (phase.slug, hours)


def test_plan_status_on_the_real_roadmap_finishes_in_month_twelve_at_ten_hours(roadmap, user):
    user.hours_per_week = STANDARD_HOURS_PER_WEEK
    status = plan_status(user, roadmap, today=user.plan_start)
    assert status.plan_month == 1
    assert status.expected_phase.slug == "foundation"
    assert [p.slug for p in status.phases] == ["foundation", "core-ml", "specialization", "advanced"]
    assert status.total_hours == 520
    assert (status.plan_months, status.finish_month) == (12, 12)
