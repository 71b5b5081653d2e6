"""Reads of roadmap content and progress. Each returns in a fixed number of queries, whatever the
amount of content or progress."""

import calendar
import copy
import math
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, FilteredRelation, Prefetch, Q, TextField, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from config.cache import ROADMAP_SCOPE, process_memo
from config.db import ANY_ID, CompiledQuery
from roadmap.models import (
    CodeExample,
    Phase,
    ProjectIdea,
    Release,
    Resource,
    Roadmap,
    RoadmapChange,
    Step,
    StepTool,
    Topic,
    TopicProgress,
)

DONE_STATES = (TopicProgress.Status.DONE, TopicProgress.Status.SKIPPED)


def roadmap_get_published(slug: str) -> Roadmap:
    """The published roadmap with this slug, or 404."""
    return get_object_or_404(Roadmap.objects.published(), slug=slug)


def default_roadmap() -> Roadmap | None:
    """The roadmap the site is about: "ai-engineer" when published, else the first published one.
    Memoised per process while the roadmap version stays the same (no query on most requests)."""
    roadmap = process_memo(ROADMAP_SCOPE, "default-roadmap", _default_roadmap)
    return copy.copy(roadmap) if roadmap is not None else None


def _default_roadmap() -> Roadmap | None:
    return Roadmap.objects.published().filter(slug="ai-engineer").first() or Roadmap.objects.published().first()


def phases_with_steps(roadmap: Roadmap) -> list[Phase]:
    """Phases in order, each with `.step_list`: its steps in order, annotated with `topic_count`."""
    steps = Step.objects.annotate(topic_count=Count("topics")).order_by("number", "slug")
    phases = list(roadmap.phases.order_by("order", "start_month").prefetch_related(Prefetch("steps", queryset=steps)))
    for phase in phases:
        phase.step_list = list(phase.steps.all())
        for step in phase.step_list:
            step.roadmap = roadmap
    return phases


def steps_in_order(roadmap: Roadmap) -> list[Step]:
    """Every step in reading order: by phase, then by number."""
    steps = list(roadmap.steps.select_related("phase").order_by("phase__order", "phase__start_month", "number", "slug"))
    for step in steps:
        step.roadmap = roadmap
    return steps


def step_get(roadmap: Roadmap, step_slug: str) -> Step:
    """A step with everything its page shows, or 404."""
    step = get_object_or_404(
        roadmap.steps.select_related("phase").prefetch_related(
            Prefetch("topics", queryset=Topic.objects.order_by("order", "id")),
            Prefetch("resources", queryset=Resource.objects.order_by("order", "id")),
            Prefetch("code_examples", queryset=CodeExample.objects.order_by("order", "id")),
            Prefetch("step_tools", queryset=StepTool.objects.select_related("tool").order_by("order", "id")),
            Prefetch("project_ideas", queryset=ProjectIdea.objects.order_by("order", "id")),
        ),
        slug=step_slug,
    )
    step.roadmap = roadmap
    return step


def topic_groups(step: Step) -> list[tuple[str, list[Topic]]]:
    """The step's topics grouped under their headings, in order of first appearance."""
    groups: dict[str, list[Topic]] = {}
    for topic in step.topics.all():
        groups.setdefault(topic.group, []).append(topic)
    return list(groups.items())


def project_ideas_by_tier(roadmap: Roadmap) -> list[dict]:
    """[{"tier": slug, "title", "duration", "description", "categories": [(category, [ideas])]}]"""
    ideas = roadmap.project_ideas.order_by("order", "id").prefetch_related(
        Prefetch("steps", queryset=Step.objects.order_by("number"))
    )
    tiers = {t["slug"]: t for t in roadmap.guide.get("project_tiers", [])}
    result = []
    for value, label in ProjectIdea.Tier.choices:
        info = tiers.get(value, {})
        categories: dict[str, list[ProjectIdea]] = {}
        for idea in ideas:
            if idea.tier == value:
                for s in idea.steps.all():
                    s.roadmap = roadmap
                categories.setdefault(idea.category, []).append(idea)
        result.append(
            {
                "tier": value,
                "title": info.get("title", label),
                "duration": info.get("duration", ""),
                "description": info.get("description", ""),
                "categories": list(categories.items()),
            }
        )
    return result


def tools_by_category(roadmap: Roadmap, *, essential_only=False) -> list[tuple[str, list]]:
    tools = roadmap.tools.order_by("order", "name")
    if essential_only:
        tools = tools.filter(essential=True)
    categories: dict[str, list] = {}
    for tool in tools:
        categories.setdefault(tool.category or "Other", []).append(tool)
    return list(categories.items())


def changes_for(roadmap: Roadmap):
    """The roadmap's changelog, newest first."""
    return roadmap.changes.select_related("actor").order_by("-created_at", "-id")


def with_releases(changes) -> list[RoadmapChange]:
    """The changes as a list, each with `.release`: the Release a "released" entry names (one query)."""
    changes = list(changes)
    released = RoadmapChange.Action.RELEASED
    ids = [c.object_id for c in changes if c.action == released]
    releases = {str(r.pk): r for r in Release.objects.filter(pk__in=ids)} if ids else {}
    for change in changes:
        change.release = releases.get(change.object_id) if change.action == released else None
    return changes


def changes_since(roadmap: Roadmap, since):
    return changes_for(roadmap).filter(created_at__gt=since) if since else changes_for(roadmap)


# --- progress ---------------------------------------------------------------------------------


@dataclass
class Counts:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def remaining(self) -> int:
        return self.total - self.done


@dataclass
class RoadmapProgress:
    """A learner's progress through one roadmap.

    `status` maps topic id -> state (topics never touched are absent: "not started"). `steps` and
    `phases` map ids to Counts of finished (done + skipped) over all topics; `overall` counts only
    required topics (optional steps are shown but not required).
    """

    status: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)
    phases: dict = field(default_factory=dict)
    overall: Counts = field(default_factory=Counts)
    # Topic ids in roadmap order: (topic_id, step_id, phase_id, optional)
    order: list = field(default_factory=list)

    def step(self, step_id) -> Counts:
        return self.steps.get(step_id, Counts())

    def phase(self, phase_id) -> Counts:
        return self.phases.get(phase_id, Counts())

    def state_of(self, topic_id) -> str:
        return self.status.get(topic_id, TopicProgress.Status.NOT_STARTED)


# Topics in reading order: by phase, then step number, then the topic's place in its step.
TOPIC_ROADMAP_ORDER = ("step__phase__order", "step__phase__start_month", "step__number", "step__slug", "order", "id")


def topics_in_order(roadmap: Roadmap) -> list[tuple]:
    """The roadmap's topics in reading order, as (topic_id, step_id, phase_id, optional). One query,
    memoised per process while the roadmap version stays the same. Read-only: the list is shared."""
    return process_memo(
        ROADMAP_SCOPE,
        f"topics-in-order:{roadmap.pk}",
        lambda: list(
            Topic.objects.filter(step__roadmap=roadmap)
            .order_by(*TOPIC_ROADMAP_ORDER)
            .values_list("id", "step_id", "step__phase_id", "step__optional")
        ),
    )


def progress_from(order: list[tuple], status: dict) -> RoadmapProgress:
    """The progress counts of a learner whose topic states are `status` ({topic_id: state}), over the
    topics of `order` (from topics_in_order). No query: the one calculation behind progress_for and
    progress_for_users."""
    progress = RoadmapProgress(status=status, order=order)
    for topic_id, step_id, phase_id, optional in order:
        finished = status.get(topic_id) in DONE_STATES
        step_counts = progress.steps.setdefault(step_id, Counts())
        step_counts.total += 1
        step_counts.done += finished
        if not optional:
            phase_counts = progress.phases.setdefault(phase_id, Counts())
            phase_counts.total += 1
            phase_counts.done += finished
            progress.overall.total += 1
            progress.overall.done += finished
    return progress


# (topic id, state) of a learner's started topics; compiled once, as it runs on every progress update.
_started_topics = CompiledQuery(
    TopicProgress,
    lambda user_id: (
        TopicProgress.objects.filter(user_id=user_id)
        .exclude(status=TopicProgress.Status.NOT_STARTED)
        .values_list("topic_id", "status")
    ),
    (ANY_ID,),
)


def started_topics(user) -> list[tuple[int, str]]:
    """(topic id, state) of every topic the learner has started, in any roadmap: one query, with no
    join (a learner has a few hundred rows at most)."""
    return _started_topics.rows(user.pk)


def progress_for(user, roadmap: Roadmap, *, started: list[tuple[int, str]] | None = None) -> RoadmapProgress:
    """The learner's progress through the roadmap: one query (the roadmap's topic order is memoised),
    none if the caller has the learner's `started` topics already (see started_topics). Anonymous
    users have none."""
    order = topics_in_order(roadmap)
    status = {}
    if user is not None and user.is_authenticated:
        rows = started_topics(user) if started is None else started
        ids = {row[0] for row in order}
        status = {topic_id: state for topic_id, state in rows if topic_id in ids}
    return progress_from(order, status)


def progress_for_users(user_ids, roadmap: Roadmap, *, order: list[tuple] | None = None) -> dict:
    """{user_id: RoadmapProgress} for many learners at once (the monthly email's batches): one query
    for all their topic states, plus one for the topic order when `order` is not given."""
    order = topics_in_order(roadmap) if order is None else order
    statuses: dict = {user_id: {} for user_id in user_ids}
    rows = (
        TopicProgress.objects.filter(user_id__in=list(statuses), topic__step__roadmap=roadmap)
        .exclude(status=TopicProgress.Status.NOT_STARTED)
        .values_list("user_id", "topic_id", "status")
    )
    for user_id, topic_id, state in rows:
        statuses[user_id][topic_id] = state
    return {user_id: progress_from(order, status) for user_id, status in statuses.items()}


def next_topic_ids(progress: RoadmapProgress, limit: int = 5) -> list[int]:
    """Ids of the next `limit` required topics in roadmap order that are neither done nor skipped."""
    return [
        topic_id
        for topic_id, _step, _phase, optional in progress.order
        if not optional and progress.status.get(topic_id) not in DONE_STATES
    ][:limit]


def next_topics(
    user, roadmap: Roadmap, limit: int = 5, progress: RoadmapProgress | None = None, topics: dict | None = None
) -> list[Topic]:
    """The next `limit` required topics in roadmap order that are neither done nor skipped, with their
    steps. `topics` ({id: Topic with its step}, e.g. from topics_by_id) saves the query."""
    progress = progress or progress_for(user, roadmap)
    ids = next_topic_ids(progress, limit)
    if topics is None:
        topics = topics_by_id(roadmap, ids)
    result = [topics[i] for i in ids if i in topics]
    for topic in result:
        topic.step.roadmap = roadmap
    return result


def topics_by_id(roadmap: Roadmap, ids=None) -> dict:
    """{topic_id: Topic} with its step, of the roadmap's topics or of those among `ids`. One query."""
    topics = Topic.objects.filter(step__roadmap=roadmap).select_related("step")
    if ids is not None:
        topics = topics.filter(pk__in=ids)
    return {topic.pk: topic for topic in topics}


def notes_for_step(user, step: Step) -> dict:
    """The learner's notes on a step's topics: {topic_id: TopicProgress} for topics with a note. One
    query; empty for anonymous users."""
    if user is None or not user.is_authenticated:
        return {}
    rows = TopicProgress.objects.filter(user=user, topic__step=step).exclude(note="")
    return {row.topic_id: row for row in rows.only("id", "topic_id", "note", "note_html", "status")}


def topic_get(roadmap: Roadmap, step_slug: str, topic_slug: str) -> Topic:
    """A topic of a published roadmap's step, by slugs, or 404."""
    topic = get_object_or_404(
        Topic.objects.select_related("step__phase"), step__roadmap=roadmap, step__slug=step_slug, slug=topic_slug
    )
    topic.step.roadmap = roadmap
    return topic


# --- the outline: what the progress views read of a roadmap on every request -----------------------

# What the progress views and services use of a step and a topic (not their texts, nor the guide).
_OUTLINE_STEP_FIELDS = ("slug", "number", "title", "optional", "roadmap_id", "phase__slug")
_OUTLINE_TOPIC_FIELDS = ("slug", "title", "order", "step_id")


@dataclass
class RoadmapOutline:
    """A published roadmap's steps and topics by slug, with the few columns the progress views use.
    Read-only: one copy per process is shared by its requests (see roadmap_outline)."""

    roadmap: Roadmap
    steps: dict  # step slug -> Step, with its phase and roadmap
    topics: dict  # (step slug, topic slug) -> Topic, with its step
    step_topics: dict  # step id -> [(topic id, topic slug)] in the step's order


def roadmap_outline(slug: str, *, fresh: bool = False) -> RoadmapOutline | None:
    """The outline of the published roadmap `slug` (None if there is none), in three queries, memoised
    per process while the roadmap version stays the same (any content save bumps it). `fresh` checks
    the version in the shared cache rather than this process's copy of it (up to a second old): for
    writes, which must not act on a topic that has just been removed."""
    return process_memo(ROADMAP_SCOPE, f"outline:{slug}", lambda: _outline(slug), fresh=fresh)


def _outline(slug: str) -> RoadmapOutline | None:
    roadmap = Roadmap.objects.published().filter(slug=slug).first()
    if roadmap is None:
        return None
    steps = {}
    for step in Step.objects.filter(roadmap=roadmap).select_related("phase").only(*_OUTLINE_STEP_FIELDS):
        step.roadmap = roadmap
        steps[step.pk] = step
    outline = RoadmapOutline(roadmap=roadmap, steps={s.slug: s for s in steps.values()}, topics={}, step_topics={})
    topics = Topic.objects.filter(step__roadmap=roadmap).order_by(*TOPIC_ROADMAP_ORDER).only(*_OUTLINE_TOPIC_FIELDS)
    for topic in topics:
        topic.step = steps[topic.step_id]
        outline.topics[(topic.step.slug, topic.slug)] = topic
        outline.step_topics.setdefault(topic.step_id, []).append((topic.pk, topic.slug))
    return outline


def topic_get_published(slug: str, step_slug: str, topic_slug: str) -> Topic:
    """A topic of a published roadmap, by slugs, with its step, phase and roadmap; or 404. For the
    progress views, which need no more of the step: from the outline, so no query on most requests.
    The outline may be up to a second old (PAGE_CACHE_LOCAL_SECONDS): a write to a topic deleted
    meanwhile fails with Topic.DoesNotExist (see services.mark_topic). Read-only (shared)."""
    outline = roadmap_outline(slug)
    topic = outline.topics.get((step_slug, topic_slug)) if outline is not None else None
    if topic is None:
        raise Http404("No such topic.")
    return topic


def step_get_published(slug: str, step_slug: str) -> Step:
    """A step of a published roadmap, by slugs, with its phase and roadmap; or 404. For the progress
    views (step_get also fetches everything the step's page shows). Read-only (shared)."""
    outline = roadmap_outline(slug, fresh=True)
    step = outline.steps.get(step_slug) if outline is not None else None
    if step is None:
        raise Http404("No such step.")
    return step


def step_topic_slugs(step: Step) -> list[tuple[int, str]]:
    """[(topic id, slug)] of a published step's topics in order, from the outline."""
    outline = roadmap_outline(step.roadmap.slug)
    if outline is not None and step.pk in outline.step_topics:
        return outline.step_topics[step.pk]
    return list(step.topics.order_by("order", "id").values_list("id", "slug"))


def recent_changes(roadmap: Roadmap, limit: int = 5) -> list[RoadmapChange]:
    return list(changes_for(roadmap)[:limit])


# --- the 12-month plan ------------------------------------------------------------------------

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


def user_today(user, *, now=None) -> date:
    """Today's date where the learner lives (their time zone setting; UTC when unset or unknown)."""
    now = now or timezone.now()
    try:
        tz = zoneinfo.ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    return timezone.localdate(now, tz)


def _add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the month's end (31 Jan + 1 = 28 Feb)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _elapsed_months(start: date, today: date) -> float:
    """Calendar months from `start` to `today` as a fraction (2.5 = two months and half of the third)."""
    if today <= start:
        return 0.0
    whole = (today.year - start.year) * 12 + today.month - start.month
    if _add_months(start, whole) > today:
        whole -= 1
    month_start, month_end = _add_months(start, whole), _add_months(start, whole + 1)
    return whole + (today - month_start).days / (month_end - month_start).days


def _date_at(start: date, months: float) -> date:
    """The calendar date `months` (fractional) after `start`; the inverse of _elapsed_months."""
    whole = math.floor(months)
    month_start, month_end = _add_months(start, whole), _add_months(start, whole + 1)
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
    today = today or user_today(user)
    phase_list = plan_phases(roadmap) if phases is None else phases
    phases = [(phase, progress.phase(phase.pk).total) for phase in phase_list]
    plan_months = max((phase.end_month for phase in phase_list), default=12)
    plan_end = _add_months(start, plan_months) - timedelta(days=1)

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


def topics_with_state(user, roadmap: Roadmap | None = None):
    """Topics of published roadmaps (or of one), in roadmap order, each annotated with the user's
    state on it (`my_state`, "not_started" when never touched), note and timestamps. One query."""
    topics = Topic.objects.filter(step__roadmap__published=True)
    if roadmap is not None:
        topics = topics.filter(step__roadmap=roadmap)
    return (
        topics.select_related("step__roadmap")
        .annotate(mine=FilteredRelation("progress", condition=Q(progress__user=user)))
        .annotate(
            my_state=Coalesce(F("mine__status"), Value(TopicProgress.Status.NOT_STARTED.value)),
            my_note=Coalesce(F("mine__note"), Value(""), output_field=TextField()),
            my_note_html=Coalesce(F("mine__note_html"), Value(""), output_field=TextField()),
            my_started_at=F("mine__started_at"),
            my_completed_at=F("mine__completed_at"),
            my_updated_at=F("mine__updated_at"),
        )
        .order_by(*TOPIC_ROADMAP_ORDER)
    )
