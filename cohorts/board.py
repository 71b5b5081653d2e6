"""The cohort's board: a row per member with what they share with the cohort's mentors (progress per
step, plan status, last active day, active days, projects), the cohort's average against its plan,
and who finished a step this week. The cohort page, the API and the mentor digest read it here.

What is kept in the cache. Working out every member's progress and plan is most of a big cohort's
page, and it changes only when one of them does something. The members' figures (never who is in
the cohort, their roles or their switches, which are read fresh on every request) are kept with
config.cache.cached_value under these scopes: the cohort's own (bumped by cohorts/signals.py on any
save or deletion of the cohort or one of its memberships), the roadmap's, and each member's user
scope (bumped by the existing signals on their progress, projects and account, and by the bulk
progress service). The key also names the members' ids and the hour, so that a member who joins or
leaves is never answered from an entry made before, and "today" (plan status, activity, quiet)
moves on within the hour. With the cache down every request computes the board: nine queries
whatever the number of members.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from cohorts.models import Cohort, Membership
from cohorts.selectors import ACTIVITY_DAYS, QUIET_DAYS, SHARED_PROJECT_VISIBILITIES
from config.cache import ROADMAP_SCOPE, cached_value, user_scope
from portfolio.models import Project, portfolio_page_visible_q
from roadmap import selectors as roadmap_selectors
from roadmap.models import TopicProgress
from roadmap.plan import PlanStatus, plan_phases, plan_status, topic_hours

Role = Membership.Role
Counts = roadmap_selectors.Counts
# Part of the cache key: change it when MemberFigures or the cached dict changes shape, so that a
# deploy never reads entries written by the release before.
FIGURES_VERSION = 1


def cohort_scope(cohort_id: int) -> str:
    """The cache scope of one cohort's board."""
    return f"cohort:{cohort_id}"


@dataclass
class MemberFigures:
    """One member's shared figures, as kept in the cache (no model instance of theirs)."""

    overall: Counts
    phases: dict  # {phase_id: Counts}
    plan: PlanStatus
    step_counts: list  # [Counts] in the order of the board's steps
    last_active: date | None = None
    active_days: int = 0
    done_this_week: int = 0
    steps_finished_this_week: list = field(default_factory=list)  # [Step]
    projects: list = field(default_factory=list)  # [{"title", "visibility", "url"}]


@dataclass
class MemberRow:
    """A member on the board: their membership (read fresh) and their figures."""

    membership: Membership
    figures: MemberFigures
    steps: list

    @property
    def user(self):
        return self.membership.user

    @property
    def overall(self) -> Counts:
        return self.figures.overall

    @property
    def plan(self) -> PlanStatus:
        return self.figures.plan

    def phase(self, phase_id) -> Counts:
        return self.figures.phases.get(phase_id, Counts())

    @property
    def cells(self) -> list:
        """[(step, Counts)] in roadmap order."""
        return list(zip(self.steps, self.figures.step_counts, strict=True))

    @property
    def last_active(self):
        return self.figures.last_active

    @property
    def active_days(self) -> int:
        return self.figures.active_days

    @property
    def done_this_week(self) -> int:
        return self.figures.done_this_week

    @property
    def projects(self) -> list:
        return self.figures.projects

    @property
    def quiet(self) -> bool:
        """Nothing marked for QUIET_DAYS days, counted from their last activity or, when there is none,
        from joining (someone who joined yesterday is not quiet yet)."""
        since = self.last_active or timezone.localtime(self.membership.joined_at, self.user.zone).date()
        return (self.user.today() - since).days >= QUIET_DAYS


@dataclass
class Board:
    cohort: Cohort
    steps: list
    rows: list
    mentors: list
    average_percent: int
    expected_percent: int
    plan_month: int
    behind: int
    finished_this_week: list
    member_count: int = 0
    # A member's view when members do not see each other: (place, of) by overall progress.
    rank: tuple | None = None


class _CohortPlan:
    """What plan_status reads of a learner, for the cohort's own plan: its start date, at the plan's
    standard pace (no hours of its own)."""

    hours_per_week = None

    def __init__(self, cohort: Cohort):
        self.plan_start = cohort.start_date


def _sort_key(sort: str):
    keys = {
        "name": lambda row: row.user.name.lower(),
        "progress": lambda row: (-row.overall.percent, row.user.name.lower()),
        # Furthest behind first: the mentor's first question.
        "plan": lambda row: (row.plan.weeks_delta if row.plan.state != "not_started" else 10**6, row.user.name.lower()),
        "active": lambda row: (-(row.last_active or date.min).toordinal(), row.user.name.lower()),
        "joined": lambda row: (row.membership.joined_at, row.membership.pk),
    }
    return keys.get(sort, keys["name"])


def _projects_of(ids) -> dict:
    projects = defaultdict(list)
    shared = (
        Project.objects.filter(owner_id__in=ids, visibility__in=SHARED_PROJECT_VISIBILITIES, hidden=False)
        .annotate(reachable=Q(portfolio_page_visible_q("owner__")))
        .order_by("position", "-created_at", "id")
        .values_list("owner_id", "owner__username", "slug", "title", "visibility", "reachable")
    )
    for owner_id, username, slug, title, visibility, reachable in shared:
        projects[owner_id].append(
            {"title": title, "visibility": visibility, "url": f"/u/{username}/{slug}/" if reachable else ""}
        )
    return projects


def _figures(cohort: Cohort, members: list[Membership], today: date | None) -> dict:
    """Every member's figures, the board's steps and the cohort's plan. Eight queries."""
    roadmap = cohort.roadmap
    ids = [m.user_id for m in members]
    order = roadmap_selectors.topics_in_order(roadmap)
    steps = roadmap_selectors.steps_in_order(roadmap)
    phases = plan_phases(roadmap)
    hours = topic_hours(roadmap)
    progress = roadmap_selectors.progress_for_users(ids, roadmap, order=order)
    last_changes = dict(
        TopicProgress.objects.filter(user_id__in=ids, topic__step__roadmap=roadmap)
        .order_by()
        .values("user_id")
        .annotate(last=Max("updated_at"))
        .values_list("user_id", "last")
    )
    completions = defaultdict(list)
    for user_id, topic_id, completed_at in TopicProgress.objects.filter(
        user_id__in=ids,
        topic__step__roadmap=roadmap,
        completed_at__gte=timezone.now() - timedelta(days=ACTIVITY_DAYS + 1),
        status__in=roadmap_selectors.DONE_STATES,
    ).values_list("user_id", "topic_id", "completed_at"):
        completions[user_id].append((topic_id, completed_at))
    projects = _projects_of(ids)

    topic_step = {topic_id: step_id for topic_id, step_id, _phase, _optional in order}
    steps_by_id = {step.pk: step for step in steps}
    figures = {}
    for membership in members:
        user = membership.user
        user_today = today or user.today()
        member_progress = progress[user.pk]
        days, week_topics = set(), []
        for topic_id, completed_at in completions[user.pk]:
            day = timezone.localtime(completed_at, user.zone).date()
            if (user_today - day).days < ACTIVITY_DAYS:
                days.add(day)
            if (user_today - day).days < 7:
                week_topics.append(topic_id)
        finished_steps = []
        for step_id in dict.fromkeys(topic_step.get(t) for t in week_topics):
            counts = member_progress.step(step_id)
            if step_id in steps_by_id and counts.total and counts.done == counts.total:
                finished_steps.append(steps_by_id[step_id])
        last = last_changes.get(user.pk)
        figures[user.pk] = MemberFigures(
            overall=member_progress.overall,
            phases=member_progress.phases,
            plan=plan_status(user, roadmap, today=user_today, progress=member_progress, phases=phases, hours=hours),
            step_counts=[member_progress.step(step.pk) for step in steps],
            last_active=timezone.localtime(last, user.zone).date() if last else None,
            active_days=len(days),
            done_this_week=len(week_topics),
            steps_finished_this_week=finished_steps,
            projects=projects[user.pk],
        )
    cohort_plan = plan_status(
        _CohortPlan(cohort),
        roadmap,
        today=today or timezone.localdate(),
        progress=roadmap_selectors.progress_from(order, {}),
        phases=phases,
        hours=hours,
    )
    return {
        "figures": figures,
        "steps": steps,
        "expected_percent": cohort_plan.expected_percent,
        "plan_month": cohort_plan.plan_month,
    }


def _cache_key(cohort: Cohort, members: list[Membership], today: date | None) -> str:
    ids = ",".join(str(m.user_id) for m in sorted(members, key=lambda m: m.user_id))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    moment = today.isoformat() if today else timezone.now().strftime("%Y-%m-%dT%H")
    return f"cohort-board:v{FIGURES_VERSION}:{cohort.pk}:{digest}:{moment}"


def cohort_board(cohort: Cohort, *, sort: str = "name", today: date | None = None, only_user=None) -> Board:
    """The cohort's board: a row per member (role "member") sorted by `sort`, the mentors, and the
    cohort's average against its plan. `only_user`: the board of the whole cohort, keeping only that
    person's row and their place (a member's own view when members do not see each other). `today`:
    the day for everyone (tests, the digest); by default each member's own today.

    Two queries and one cache round trip when the figures are cached; nine otherwise, whatever the
    number of members."""
    memberships = list(cohort.memberships.select_related("user").order_by("joined_at", "id"))
    members = [m for m in memberships if m.role == Role.MEMBER]
    mentors = sorted(
        (m for m in memberships if m.role != Role.MEMBER), key=lambda m: (m.role != Role.OWNER, m.joined_at)
    )
    scopes = [cohort_scope(cohort.pk), ROADMAP_SCOPE, *(user_scope(m.user.username) for m in members)]
    data = cached_value(scopes, _cache_key(cohort, members, today), lambda: _figures(cohort, members, today))
    steps = data["steps"]
    rows = [
        MemberRow(membership=m, figures=data["figures"][m.user_id], steps=steps)
        for m in members
        if m.user_id in data["figures"]
    ]
    average = round(sum(row.overall.percent for row in rows) / len(rows)) if rows else 0
    rows.sort(key=_sort_key(sort))
    finished_this_week = [(row, step) for row in rows for step in row.figures.steps_finished_this_week]
    behind = sum(1 for row in rows if row.plan.state == "behind")
    member_count, rank = len(rows), None
    if only_user is not None:
        rank = rank_of(rows, only_user)
        rows = [row for row in rows if row.user.pk == only_user.pk]
        finished_this_week = [(row, step) for row, step in finished_this_week if row.user.pk == only_user.pk]
    return Board(
        cohort=cohort,
        steps=steps,
        rows=rows,
        mentors=mentors,
        average_percent=average,
        expected_percent=data["expected_percent"],
        plan_month=data["plan_month"],
        behind=behind,
        finished_this_week=finished_this_week,
        member_count=member_count,
        rank=rank,
    )


def rank_of(rows: list[MemberRow], user) -> tuple[int, int] | None:
    """(place, of) of `user` among the rows by overall progress (1 = furthest along); None if absent."""
    mine = next((row for row in rows if row.user.pk == user.pk), None)
    if mine is None:
        return None
    ahead = sum(1 for row in rows if row.overall.percent > mine.overall.percent)
    return ahead + 1, len(rows)
