"""Reads of cohorts, and who may see what of them.

Every page, the API, the emails and the export go through these. A person sees a cohort only
through their own membership row (`membership_get`): no row, no cohort, whatever they are
otherwise (an ex-member, someone invited who has not joined yet, another learner, staff on the
site's pages; staff moderate in the admin). What of a member a mentor sees is decided in one
place, `cohort_board`: progress per step and topic, plan status, activity days, published and
unlisted projects -- never notes, email addresses or drafts. The board reads a fixed number of
queries whatever the number of members.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from cohorts.models import Cohort, Invite, InviteEmail, Membership, Nudge
from portfolio.models import Project, portfolio_page_visible_q
from roadmap import selectors as roadmap_selectors
from roadmap.models import TopicProgress
from roadmap.plan import PlanStatus, plan_phases, plan_status, topic_hours

Role = Membership.Role
SHARED_PROJECT_VISIBILITIES = (Project.Visibility.PUBLIC, Project.Visibility.UNLISTED)
ACTIVITY_DAYS = 30
QUIET_DAYS = 14
SORTS = {
    "name": "Name",
    "progress": "Progress",
    "plan": "Plan status",
    "active": "Last active",
    "joined": "Joined",
}

# What a mentor sees of a member, and what they never see: the join page and the API say exactly this.
SHARED_WITH_MENTORS = [
    "your progress on each step and topic of the roadmap (done, learning, skipped)",
    "your plan status: on plan, ahead or behind by how many weeks",
    "the days you were active (topics finished per day) and when you were last active",
    "your published and unlisted portfolio projects (title and link)",
]
NEVER_SHARED = ["your private notes on topics", "your email address", "your draft projects"]


# --- access -------------------------------------------------------------------------------------------


def cohorts_of(user):
    """The user's memberships with their cohorts, newest cohort activity first; archived last. Hidden
    cohorts are left out. One query."""
    return (
        Membership.objects.filter(user=user, cohort__hidden=False)
        .select_related("cohort__roadmap")
        .annotate(member_count=Count("cohort__memberships"))
        .order_by("cohort__archived_at", "-joined_at", "id")
    )


def membership_get(user, slug: str) -> Membership:
    """The user's membership of the cohort `slug` (with the cohort and its roadmap), or 404 for anyone
    who is not in it. Hidden cohorts are 404 to everyone."""
    if user is None or not user.is_authenticated:
        raise Http404("No such cohort")
    membership = (
        Membership.objects.select_related("cohort__roadmap", "user")
        .filter(user=user, cohort__slug=slug, cohort__hidden=False)
        .first()
    )
    if membership is None:
        raise Http404("No such cohort")
    return membership


def member_get(cohort: Cohort, username: str) -> Membership:
    """A membership of `cohort` by the member's username (case-insensitive), or 404."""
    membership = (
        Membership.objects.select_related("user").filter(cohort=cohort, user__username__iexact=username).first()
    )
    if membership is None:
        raise Http404("No such member")
    return membership


def invite_get(token: str) -> Invite:
    """The invitation with this token (any state: the join page explains why one is not usable), or 404."""
    invite = Invite.objects.select_related("cohort__roadmap").filter(token=token).first()
    if invite is None or invite.cohort.hidden:
        raise Http404("No such invitation")
    return invite


def invites_for(user) -> list[Invite]:
    """Open email invitations addressed to one of the user's verified addresses. Two queries."""
    emails = list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    if not emails:
        return []
    from_addresses = Q()
    for email in emails:
        from_addresses |= Q(email__iexact=email)
    return list(
        Invite.objects.usable()
        .filter(from_addresses, kind=Invite.Kind.EMAIL, cohort__hidden=False, cohort__archived_at__isnull=True)
        .exclude(cohort__memberships__user=user)
        .select_related("cohort__roadmap", "created_by")
    )


def mentors_of(cohort: Cohort) -> list[Membership]:
    """The owner and mentors, owner first. One query."""
    return list(
        cohort.memberships.filter(role__in=[Role.OWNER, Role.MENTOR])
        .select_related("user")
        .order_by("-role", "joined_at")
    )


def open_invites(cohort: Cohort):
    """The cohort's invitations, newest first, each email invitation with `email_list`: its sends in
    order (whether each arrived). Two queries."""
    sends = InviteEmail.objects.order_by("number")
    return (
        cohort.invites.select_related("created_by")
        .prefetch_related(Prefetch("emails", queryset=sends, to_attr="email_list"))
        .order_by("-created_at", "-id")
    )


def recent_nudges(cohort: Cohort, *, limit: int = 20):
    return cohort.nudges.select_related("sender", "recipient").order_by("-created_at", "-id")[:limit]


# --- the board: the member x step matrix ---------------------------------------------------------------


@dataclass
class MemberRow:
    membership: Membership
    progress: roadmap_selectors.RoadmapProgress
    plan: PlanStatus
    cells: list = field(default_factory=list)  # [(step, Counts)] in roadmap order
    last_active: date | None = None
    active_days: int = 0
    done_this_week: int = 0
    steps_finished_this_week: list = field(default_factory=list)
    projects: list = field(default_factory=list)

    @property
    def user(self):
        return self.membership.user

    @property
    def quiet(self) -> bool:
        """Nothing marked for QUIET_DAYS days, counted from their last activity or, when there is none,
        from joining (someone who joined yesterday is not quiet yet)."""
        today = self.user.today()
        since = self.last_active or timezone.localtime(self.membership.joined_at, self.user.zone).date()
        return (today - since).days >= QUIET_DAYS


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
        "progress": lambda row: (-row.progress.overall.percent, row.user.name.lower()),
        # Furthest behind first: the mentor's first question.
        "plan": lambda row: (row.plan.weeks_delta if row.plan.state != "not_started" else 10**6, row.user.name.lower()),
        "active": lambda row: (-(row.last_active or date.min).toordinal(), row.user.name.lower()),
        "joined": lambda row: (row.membership.joined_at, row.membership.pk),
    }
    return keys.get(sort, keys["name"])


def cohort_board(cohort: Cohort, *, sort: str = "name", today: date | None = None, only_user=None) -> Board:
    """The cohort's board: a row per member (role "member") with their shared progress, plus the
    cohort's average against its plan. `only_user`: compute it for the cohort but keep only that
    person's row (a member's own view when members do not see each other). Nine queries, whatever
    the number of members."""
    roadmap = cohort.roadmap
    memberships = list(cohort.memberships.select_related("user").order_by("joined_at", "id"))
    members = [m for m in memberships if m.role == Role.MEMBER]
    mentors = sorted(
        (m for m in memberships if m.role != Role.MEMBER), key=lambda m: (m.role != Role.OWNER, m.joined_at)
    )
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
    since = timezone.now() - timedelta(days=ACTIVITY_DAYS + 1)
    completions = defaultdict(list)
    for user_id, topic_id, completed_at in TopicProgress.objects.filter(
        user_id__in=ids,
        topic__step__roadmap=roadmap,
        completed_at__gte=since,
        status__in=roadmap_selectors.DONE_STATES,
    ).values_list("user_id", "topic_id", "completed_at"):
        completions[user_id].append((topic_id, completed_at))
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

    topic_step = {topic_id: step_id for topic_id, step_id, _phase, _optional in order}
    steps_by_id = {step.pk: step for step in steps}
    rows = []
    for membership in members:
        user = membership.user
        user_today = today or user.today()
        member_progress = progress[user.pk]
        plan = plan_status(user, roadmap, today=user_today, progress=member_progress, phases=phases, hours=hours)
        last = last_changes.get(user.pk)
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
        rows.append(
            MemberRow(
                membership=membership,
                progress=member_progress,
                plan=plan,
                cells=[(step, member_progress.step(step.pk)) for step in steps],
                last_active=timezone.localtime(last, user.zone).date() if last else None,
                active_days=len(days),
                done_this_week=len(week_topics),
                steps_finished_this_week=finished_steps,
                projects=projects[user.pk],
            )
        )
    today = today or timezone.localdate()
    cohort_plan = plan_status(
        _CohortPlan(cohort),
        roadmap,
        today=today,
        progress=roadmap_selectors.progress_from(order, {}),
        phases=phases,
        hours=hours,
    )
    average = round(sum(row.progress.overall.percent for row in rows) / len(rows)) if rows else 0
    rows.sort(key=_sort_key(sort))
    finished_this_week = [(row, step) for row in rows for step in row.steps_finished_this_week]
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
        expected_percent=cohort_plan.expected_percent,
        plan_month=cohort_plan.plan_month,
        behind=behind,
        finished_this_week=finished_this_week,
        member_count=member_count,
        rank=rank,
    )


def rank_of(board_rows: list[MemberRow], user) -> tuple[int, int] | None:
    """(place, of) of `user` among the rows by overall progress (1 = furthest along); None if absent."""
    ordered = sorted(board_rows, key=lambda row: -row.progress.overall.percent)
    for index, row in enumerate(ordered):
        if row.user.pk == user.pk:
            better = sum(
                1 for other in ordered[:index] if other.progress.overall.percent > row.progress.overall.percent
            )
            return better + 1, len(ordered)
    return None


def member_detail(cohort: Cohort, membership: Membership, *, today: date | None = None) -> dict:
    """What a mentor sees of one member: their plan status and each phase's steps, each step with
    `counts` and `topic_states` ([(topic, state)] in order) -- never the notes. Five queries."""
    roadmap = cohort.roadmap
    user = membership.user
    progress = roadmap_selectors.progress_for_users([user.pk], roadmap)[user.pk]
    phases = roadmap_selectors.phases_with_steps(roadmap)
    by_step = defaultdict(list)
    topics = roadmap_selectors.topics_by_id(roadmap).values()
    for topic in sorted(topics, key=lambda t: (t.order, t.pk)):
        by_step[topic.step_id].append((topic, progress.state_of(topic.pk)))
    for phase in phases:
        for step in phase.step_list:
            step.counts = progress.step(step.pk)
            step.topic_states = by_step[step.pk]
    plan = plan_status(
        user,
        roadmap,
        today=today or user.today(),
        progress=progress,
        phases=plan_phases(roadmap),
        hours=topic_hours(roadmap),
    )
    return {"progress": progress, "phases": phases, "plan": plan}


def nudges_sent_since(cohort: Cohort, *, sender=None, recipient=None, since):
    rows = Nudge.objects.filter(cohort=cohort, created_at__gte=since)
    if sender is not None:
        rows = rows.filter(sender=sender)
    if recipient is not None:
        rows = rows.filter(recipient=recipient)
    return rows


# --- export ------------------------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value else None


def cohorts_for_export(user) -> list[dict]:
    """The user's memberships for their data export: cohort, role, consent, their switch, and the
    nudges they received (what mentors wrote them). Two queries."""
    memberships = list(Membership.objects.filter(user=user).select_related("cohort__roadmap").order_by("joined_at"))
    nudges = defaultdict(list)
    for nudge in Nudge.objects.filter(recipient=user).select_related("sender").order_by("created_at"):
        nudges[nudge.cohort_id].append(
            {
                "from": nudge.sender.username if nudge.sender else None,
                "message": nudge.message,
                "status": nudge.status,
                "created_at": _iso(nudge.created_at),
            }
        )
    return [
        {
            "cohort": m.cohort.name,
            "slug": m.cohort.slug,
            "roadmap": m.cohort.roadmap.slug,
            "start_date": _iso(m.cohort.start_date),
            "role": m.role,
            "joined_at": _iso(m.joined_at),
            "consented_at": _iso(m.consented_at),
            "emails_from_mentors": m.nudges_opt_in,
            "nudges_received": nudges[m.cohort_id],
        }
        for m in memberships
    ]
