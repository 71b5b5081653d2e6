"""Reads of cohorts, and who may see what of them.

Every page, the API, the emails and the export go through these. A person sees a cohort only
through their own membership row (`membership_get`): no row, no cohort, whatever they are
otherwise (an ex-member, someone invited who has not joined yet, another learner, staff on the
site's pages; staff moderate in the admin). What of a member a mentor sees is decided in one
place, cohorts.board (the member x step board) with `member_detail` here (one member's topics):
progress per step and topic, plan status, activity days, published and unlisted projects -- never
notes, email addresses or drafts. Each reads a fixed number of queries whatever the number of
members.
"""

from collections import defaultdict
from datetime import date

from allauth.account.models import EmailAddress
from django.db.models import Count, Prefetch, Q
from django.http import Http404

from cohorts.models import Cohort, Invite, InviteEmail, Membership, Nudge
from portfolio.models import Project
from roadmap import selectors as roadmap_selectors
from roadmap.plan import plan_phases, plan_status, topic_hours

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


def hidden_owned(user):
    """Cohorts the user owns that staff have hidden: listed for them with the reason, nothing more."""
    return Membership.objects.filter(user=user, role=Role.OWNER, cohort__hidden=True).select_related("cohort")


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
