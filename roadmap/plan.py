"""The plan in hours: where a learner should be today at their weekly pace, against where their
progress says they are, when they will finish, and when each step and phase falls on their calendar.

Every topic carries an effort estimate in hours (Topic.hours, from the content file). A learner's plan
is the roadmap's required topics in reading order, less those they skipped, learnt one after the other
at `hours_per_week` from the plan's start. The content's estimates are set so that each phase fills its
months at STANDARD_HOURS_PER_WEEK (docs/content-format.md); a learner at another pace gets a longer or
shorter plan. Pure calculations over a learner's progress (roadmap.selectors.progress_for) and the
topics' hours; `plan_phases` and `topic_hours` are the queries.
"""

import calendar
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from roadmap.models import Phase, Roadmap, Step, Topic, TopicProgress
from roadmap.selectors import RoadmapProgress, progress_for

PLAN_STATES = ("not_started", "on_track", "ahead", "behind", "finished")
# Within this many whole weeks of the plan, a learner is "on track".
ON_TRACK_WEEKS = 1
# The weekly pace at which the content's hour estimates fit each phase into its months.
STANDARD_HOURS_PER_WEEK = 10


@dataclass
class Milestone:
    """A phase or step on the learner's calendar: the days the plan expects it to start and finish."""

    kind: str  # "phase" or "step"
    id: int
    title: str
    hours: int
    start: date
    finish: date
    number: int | None = None  # a step's number
    slug: str = ""


@dataclass
class PlanStatus:
    """Where the plan says a learner should be, against where their progress says they are.

    Hours count the learner's plan: required topics they have not skipped. `weeks_delta` is positive
    when ahead, negative when behind. `plan_position` and `progress_position` place "now" and "your
    progress" on the plan as percentages of its hours (for drawing both on the phases).
    """

    start_date: date
    today: date
    plan_month: int
    expected_phase: Phase | None
    actual_phase: Phase | None
    expected_percent: int
    actual_percent: int
    weeks_delta: int
    state: str
    projected_finish: date | None
    summary: str
    plan_months: int = 12
    plan_end: date | None = None
    plan_position: int = 0
    progress_position: int = 0
    phases: list = field(default_factory=list)
    hours_per_week: int = STANDARD_HOURS_PER_WEEK
    total_hours: int = 0
    done_hours: int = 0
    expected_hours: int = 0
    skipped: int = 0
    # The plan month in which the projected finish falls (None when finished or nothing to plan).
    finish_month: int | None = None
    milestones: list = field(default_factory=list)

    @property
    def pace_summary(self) -> str:
        """ "At 10 h/week you finish in month 12": the dashboard's and the email's line on the pace."""
        if self.state == "finished":
            return "Finished: every topic of your plan is done"
        if not self.finish_month or not self.projected_finish:
            return "Nothing left to plan: every required topic is skipped" if self.skipped else "Nothing to plan yet"
        return (
            f"At {self.hours_per_week} h/week you finish in month {self.finish_month} ({self.projected_finish:%B %Y})"
        )


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the month's end (31 Jan + 1 = 28 Feb)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _elapsed_months(start: date, today: date) -> float:
    """Calendar months from `start` to `today` as a fraction (2.5 = two months and half of the third)."""
    if today <= start:
        return 0.0
    whole = (today.year - start.year) * 12 + today.month - start.month
    if add_months(start, whole) > today:
        whole -= 1
    month_start, month_end = add_months(start, whole), add_months(start, whole + 1)
    return whole + (today - month_start).days / (month_end - month_start).days


def plan_month_of(start: date, day: date) -> int:
    """The 1-based calendar month of a plan starting on `start` that contains `day` (0 before it)."""
    return 0 if day < start else math.floor(_elapsed_months(start, day)) + 1


def _weeks(days: float) -> int:
    """Whole weeks, rounded half away from zero."""
    return int(math.copysign(math.floor(abs(days) / 7 + 0.5), days))


def _plural_weeks(weeks: int) -> str:
    return f"{weeks} week{'s' if weeks != 1 else ''}"


def plan_phases(roadmap: Roadmap) -> list[Phase]:
    """The roadmap's phases in plan order (what plan_status reads). One query."""
    return list(roadmap.phases.order_by("order", "start_month"))


def topic_hours(roadmap: Roadmap) -> dict[int, int]:
    """{topic_id: effort estimate in hours} of the roadmap's topics. One query."""
    return dict(Topic.objects.filter(step__roadmap=roadmap).values_list("id", "hours"))


def phase_hours(roadmap: Roadmap) -> list[tuple[Phase, int]]:
    """Each phase with the hours of its required topics: what the content's estimates add up to (the
    docs' table; a test holds every phase to its months at STANDARD_HOURS_PER_WEEK)."""
    hours = {}
    for phase_id, value in Topic.objects.filter(step__roadmap=roadmap, step__optional=False).values_list(
        "step__phase_id", "hours"
    ):
        hours[phase_id] = hours.get(phase_id, 0) + value
    return [(phase, hours.get(phase.pk, 0)) for phase in plan_phases(roadmap)]


def _phase_at(positions: list[tuple[float, int]], hours: float, phases: dict) -> Phase | None:
    """The phase of the topic in which the point `hours` of the plan falls (the last one past the end)."""
    for end, phase_id in positions:
        if hours < end:
            return phases.get(phase_id)
    return phases.get(positions[-1][1]) if positions else None


def plan_status(
    user,
    roadmap: Roadmap,
    *,
    today: date | None = None,
    progress: RoadmapProgress | None = None,
    phases: list[Phase] | None = None,
    hours: dict[int, int] | None = None,
    steps: list[Step] | None = None,
):
    """The learner's position in their plan, against their actual progress, at their weekly pace.

    The maths:
    - The plan starts on `user.plan_start` (the chosen start date, else the sign-up day) and `today`
      is the date in the learner's time zone (injectable for tests). `plan_month` is the 1-based
      calendar month of the plan that contains today (0 before the start).
    - The plan is the required topics in reading order, less the skipped ones, each taking its
      hours at the learner's `hours_per_week` (pace): `total_hours` take total_hours / pace weeks,
      which ends the plan on `plan_end` (in month `plan_months`).
    - By today the plan expects `expected_hours` = pace x weeks since the start (at most the total);
      `done_hours` is the hours of the topics done. Both are also given as percentages of the total.
    - `weeks_delta` is the difference in weeks at the learner's pace: (done - expected) / pace,
      rounded to whole weeks: 20 hours ahead at 10 h/week is 2 weeks ahead (+2).
    - `state`: "finished" when every topic of the plan is done; "not_started" before the start date
      (or when the plan has no topic); otherwise "on_track" within a week (+-1), else "ahead" or
      "behind".
    - `expected_phase` is the phase of the topic the plan expects today, `actual_phase` the phase of
      the point the learner's done hours reach (the first phase when nothing is done).
    - `projected_finish`: the remaining hours at the learner's pace from today (from the start date
      before it); `finish_month` is the plan month in which it falls: "at 10 h/week you finish in
      month 12".
    - `milestones`: each phase and each step of the plan with the days the plan expects it to start
      and finish (for the calendar feed).

    Queries: two when `progress` is not given (progress_for), one for the phases when `phases` (from
    plan_phases) is not given, one for the hours when `hours` (from topic_hours) is not given, one
    for the steps' titles when `steps` is not given and milestones are wanted (see plan_milestones).
    """
    progress = progress or progress_for(user, roadmap)
    start = user.plan_start
    today = today or user.today()
    pace = user.hours_per_week if user.hours_per_week and user.hours_per_week > 0 else STANDARD_HOURS_PER_WEEK
    phase_list = plan_phases(roadmap) if phases is None else phases
    phases_by_id = {phase.pk: phase for phase in phase_list}
    hours = topic_hours(roadmap) if hours is None else hours

    # The learner's plan: required topics not skipped, in reading order, with where each one ends.
    positions: list[tuple[float, int]] = []
    plan_topics: list[tuple[int, int, int, int]] = []
    total_hours = done_hours = 0
    for topic_id, step_id, phase_id, optional in progress.order:
        state = progress.status.get(topic_id)
        if optional or state == TopicProgress.Status.SKIPPED:
            continue
        topic_hours_ = hours.get(topic_id, 0)
        total_hours += topic_hours_
        done_hours += topic_hours_ if state == TopicProgress.Status.DONE else 0
        positions.append((total_hours, phase_id))
        plan_topics.append((topic_id, step_id, phase_id, topic_hours_))

    def day_at(plan_hours: float) -> date:
        return start + timedelta(days=math.ceil(plan_hours / pace * 7 - 1e-9))

    plan_month = plan_month_of(start, today)
    elapsed_days = max((today - start).days, 0)
    expected_hours = min(float(total_hours), elapsed_days / 7 * pace)
    expected_percent = round(100 * expected_hours / total_hours) if total_hours else 0
    actual_percent = round(100 * done_hours / total_hours) if total_hours else 0
    weeks_delta = _weeks((done_hours - expected_hours) / pace * 7) if plan_month and total_hours else 0
    plan_end = day_at(total_hours) - timedelta(days=1) if total_hours else start
    plan_months = max(plan_month_of(start, plan_end), 1)

    expected_phase = None
    if plan_month and positions:
        expected_phase = _phase_at(positions, expected_hours, phases_by_id)
    actual_phase = phase_list[0] if phase_list else None
    if done_hours and positions:
        actual_phase = _phase_at(positions, done_hours, phases_by_id)

    counts = progress.overall
    finished = counts.total > 0 and counts.done >= counts.total
    if finished:
        state = "finished"
    elif plan_month == 0 or total_hours == 0:
        state = "not_started"
    elif weeks_delta > ON_TRACK_WEEKS:
        state = "ahead"
    elif weeks_delta < -ON_TRACK_WEEKS:
        state = "behind"
    else:
        state = "on_track"

    projected_finish = finish_month = None
    if not finished and total_hours:
        remaining = total_hours - done_hours
        origin = max(today, start)
        projected_finish = origin + timedelta(days=max(math.ceil(remaining / pace * 7) - 1, 0))
        finish_month = plan_month_of(start, projected_finish)

    if plan_month == 0:
        not_started = f"Your plan starts on {start:%-d %B %Y}"
    elif counts.skipped and not counts.total:
        not_started = "Every required topic is skipped: nothing left to track"
    else:
        not_started = "Nothing to track yet"
    summary = {
        "finished": "Finished: every required topic is done",
        "not_started": not_started,
        "on_track": "On track",
        "ahead": f"Ahead by {_plural_weeks(weeks_delta)}",
        "behind": f"Behind by {_plural_weeks(-weeks_delta)}",
    }[state]

    milestones = _milestones(plan_topics, phases_by_id, steps, day_at) if steps is not None else []
    return PlanStatus(
        start_date=start,
        today=today,
        plan_month=plan_month,
        expected_phase=expected_phase,
        actual_phase=actual_phase,
        expected_percent=expected_percent,
        actual_percent=actual_percent,
        weeks_delta=weeks_delta,
        state=state,
        projected_finish=projected_finish,
        summary=summary,
        plan_months=plan_months,
        plan_end=plan_end,
        plan_position=expected_percent,
        progress_position=actual_percent,
        phases=phase_list,
        hours_per_week=pace,
        total_hours=total_hours,
        done_hours=done_hours,
        expected_hours=round(expected_hours),
        skipped=counts.skipped,
        finish_month=finish_month,
        milestones=milestones,
    )


def _milestones(plan_topics, phases_by_id, steps, day_at) -> list[Milestone]:
    """Phases and steps of the plan with their expected first and last days, in plan order."""
    steps_by_id = {step.pk: step for step in steps}
    spans: dict[tuple[str, int], list[float]] = {}
    position = 0.0
    for _topic_id, step_id, phase_id, hours in plan_topics:
        for key in (("phase", phase_id), ("step", step_id)):
            span = spans.setdefault(key, [position, position])
            span[1] = position + hours
        position += hours
    result = []
    for (kind, obj_id), (begin, end) in spans.items():
        obj = phases_by_id.get(obj_id) if kind == "phase" else steps_by_id.get(obj_id)
        if obj is None or end <= begin:
            continue
        result.append(
            Milestone(
                kind=kind,
                id=obj_id,
                title=obj.title,
                hours=round(end - begin),
                start=day_at(begin),
                finish=day_at(end) - timedelta(days=1),
                number=getattr(obj, "number", None),
                slug=obj.slug,
            )
        )
    result.sort(key=lambda m: (m.start, m.kind != "phase", m.number or 0))
    return result


def plan_milestones(user, roadmap: Roadmap, *, today: date | None = None) -> PlanStatus:
    """plan_status with its milestones (each phase's and step's expected start and finish)."""
    steps = list(roadmap.steps.only("id", "title", "number", "slug"))
    return plan_status(user, roadmap, today=today, steps=steps)
