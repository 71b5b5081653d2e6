"""The 12-month plan: where the plan says a learner should be today, against where their progress
says they are. Pure calculations over a learner's progress (roadmap.selectors.progress_for) and the
roadmap's phases; `plan_phases` is the one query."""

import calendar
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from roadmap.models import Phase, Roadmap
from roadmap.selectors import RoadmapProgress, progress_for

PLAN_STATES = ("not_started", "on_track", "ahead", "behind", "finished")
# Within this many whole weeks of the plan, a learner is "on track".
ON_TRACK_WEEKS = 1
# A projected finish date needs at least this many days of pace to go on.
PACE_MIN_DAYS = 14


@dataclass
class PlanStatus:
    """Where the 12-month plan says a learner should be, against where their progress says they are.

    Percentages count required topics only. `weeks_delta` is positive when ahead, negative when behind.
    `plan_position` and `progress_position` place "now" and "your progress" on the plan's timeline as
    percentages of its length (for drawing both on the four phases).
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


def _date_at(start: date, months: float) -> date:
    """The calendar date `months` (fractional) after `start`; the inverse of _elapsed_months."""
    whole = math.floor(months)
    month_start, month_end = add_months(start, whole), add_months(start, whole + 1)
    return month_start + timedelta(days=round((months - whole) * (month_end - month_start).days))


def _expected_done(phases: list[tuple[Phase, int]], months: float) -> float:
    """Required topics the plan expects done after `months`: linear through each phase's months."""
    total = 0.0
    for phase, required in phases:
        length = phase.end_month - phase.start_month + 1
        share = min(max((months - (phase.start_month - 1)) / length, 0.0), 1.0)
        total += required * share
    return total


def _months_for(phases: list[tuple[Phase, int]], done: int, plan_months: int) -> float:
    """The earliest point of the plan (in months) at which it expects `done` topics: the inverse of
    _expected_done, by bisection (the curve is monotonic; flat stretches resolve to their start)."""
    if done <= 0:
        return 0.0
    low, high = 0.0, float(plan_months)
    for _ in range(40):
        middle = (low + high) / 2
        if _expected_done(phases, middle) >= done - 1e-9:
            high = middle
        else:
            low = middle
    return high


def _phase_at(phases: list[tuple[Phase, int]], month: int) -> Phase | None:
    for phase, _required in phases:
        if phase.start_month <= month <= phase.end_month:
            return phase
    return None


def _weeks(days: int) -> int:
    """Whole weeks, rounded half away from zero."""
    return int(math.copysign(math.floor(abs(days) / 7 + 0.5), days))


def _plural_weeks(weeks: int) -> str:
    return f"{weeks} week{'s' if weeks != 1 else ''}"


def plan_phases(roadmap: Roadmap) -> list[Phase]:
    """The roadmap's phases in plan order (what plan_status reads). One query."""
    return list(roadmap.phases.order_by("start_month", "order"))


def plan_status(
    user,
    roadmap: Roadmap,
    *,
    today: date | None = None,
    progress: RoadmapProgress | None = None,
    phases: list[Phase] | None = None,
):
    """The learner's position in the 12-month plan, against their actual progress.

    The maths:
    - The plan starts on `user.plan_start` (the chosen start date, else the sign-up day) and `today`
      is the date in the learner's time zone (injectable for tests). `plan_month` is the 1-based
      calendar month of the plan that contains today (0 before the start; 13+ after the 12 months).
    - The plan expects each phase's required topics to be learnt at an even pace through that phase's
      months (phase "months 4-6" with 30 topics expects 10 a month during months 4, 5 and 6). Summed over
      phases, that is `expected_percent` of all required topics today.
    - `actual_percent` is done + skipped over required topics (optional steps do not count).
    - `weeks_delta` compares today with the date on which the plan expects the learner's actual count:
      if the plan expects what you have done 3 weeks from now, you are 3 weeks ahead (+3); if it
      expected it 2 weeks ago, you are 2 weeks behind (-2). Rounded to whole weeks.
    - `state`: "finished" when every required topic is done; "not_started" before the start date
      (or when the roadmap has no required topic); otherwise "on_track" when `weeks_delta` is -1, 0
      or +1 (i.e. within 10 days, after rounding to whole weeks), else "ahead" or "behind".
    - `expected_phase` is the phase whose months contain today (the last phase after month 12);
      `actual_phase` is the phase of the plan's month in which the learner's count would be reached,
      i.e. where their next topic falls on the plan (the first phase when nothing is done).
    - `projected_finish`: the day every required topic would be done at the average pace since the
      start (topics per day); None before the start, when nothing is done yet, when finished, or in
      the plan's first PACE_MIN_DAYS days (a first evening's burst says nothing about a year's pace).

    Queries: two when `progress` is not given (progress_for), plus one for the phases when `phases`
    (from plan_phases) is not given.
    """
    progress = progress or progress_for(user, roadmap)
    start = user.plan_start
    today = today or user.today()
    phase_list = plan_phases(roadmap) if phases is None else phases
    phases = [(phase, progress.phase(phase.pk).total) for phase in phase_list]
    plan_months = max((phase.end_month for phase in phase_list), default=12)
    plan_end = add_months(start, plan_months) - timedelta(days=1)

    total = progress.overall.total
    done = progress.overall.done
    actual_percent = progress.overall.percent

    if today < start:
        plan_month, elapsed = 0, 0.0
    else:
        elapsed = _elapsed_months(start, today)
        plan_month = math.floor(elapsed) + 1
    expected = _expected_done(phases, elapsed)
    expected_percent = round(100 * expected / total) if total else 0

    progress_months = _months_for(phases, done, plan_months) if total else 0.0
    weeks_delta = _weeks((_date_at(start, progress_months) - today).days) if plan_month else 0

    if plan_month == 0:
        expected_phase = None
    else:
        expected_phase = _phase_at(phases, min(plan_month, plan_months)) or (phase_list[-1] if phase_list else None)
    actual_phase = None
    if phase_list:
        actual_phase = phase_list[0]
        if done:
            # The phase of the plan's month in which the learner's next topic falls (a phase completed
            # puts them at the start of the next one).
            month = min(math.floor(progress_months + 1e-6) + 1, plan_months)
            actual_phase = _phase_at(phases, month) or phase_list[-1]

    finished = total > 0 and done >= total
    if finished:
        state = "finished"
    elif plan_month == 0 or total == 0:
        state = "not_started"
    elif weeks_delta > ON_TRACK_WEEKS:
        state = "ahead"
    elif weeks_delta < -ON_TRACK_WEEKS:
        state = "behind"
    else:
        state = "on_track"

    projected_finish = None
    days_so_far = (today - start).days + 1
    if state not in ("finished", "not_started") and done and days_so_far >= PACE_MIN_DAYS:
        per_day = done / days_so_far
        projected_finish = today + timedelta(days=math.ceil((total - done) / per_day))

    summary = {
        "finished": "Finished: every required topic is done",
        "not_started": f"Your plan starts on {start:%-d %B %Y}" if plan_month == 0 else "Nothing to track yet",
        "on_track": "On track",
        "ahead": f"Ahead by {_plural_weeks(weeks_delta)}",
        "behind": f"Behind by {_plural_weeks(-weeks_delta)}",
    }[state]

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
        plan_position=min(100, round(100 * elapsed / plan_months)) if plan_months else 0,
        progress_position=min(100, round(100 * progress_months / plan_months)) if plan_months else 0,
        phases=phase_list,
    )
