"""Writes of cohorts: creating one, leaving, the owner's management (roles, removal, transfer,
archive, delete), nudges and staff moderation; invitations and joining are in cohorts/invitations.py.
The HTML views, the REST API and the admin call these; each raises
django.core.exceptions.ValidationError with a message a person can act on when the request cannot
be done. Callers decide who may ask (cohorts.selectors.membership_get); these keep the cohort's own
rules (one owner, an owner cannot simply leave, nudges within their limits).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.mail import skip_open
from cohorts import tasks
from cohorts.models import (
    NUDGE_MAX,
    RESERVED_SLUGS,
    Cohort,
    Membership,
    MentorDigest,
    Nudge,
)
from roadmap.markdown import render_markdown

Role = Membership.Role


class RateLimited(ValidationError):
    """The request is fine but comes too soon or too often; views answer 429."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "cohort"
    if base in RESERVED_SLUGS:
        base = f"{base}-cohort"
    slug, number = base, 1
    taken = set(Cohort.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _clean_text(name: str, description: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": ["Give the cohort a name."]})
    return name, (description or "").strip()


# --- the cohort --------------------------------------------------------------------------------


@transaction.atomic
def cohort_create(
    *, owner, name: str, roadmap, start_date, description: str = "", members_see_each_other: bool = True
) -> Cohort:
    """Create a cohort owned by `owner`.

    Side effects: inserts the cohort (slug made from the name, unique) and the owner's membership.
    """
    name, description = _clean_text(name, description)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                cohort = Cohort.objects.create(
                    slug=_unique_slug(name),
                    name=name,
                    description=description,
                    description_html=render_markdown(description),
                    roadmap=roadmap,
                    start_date=start_date,
                    members_see_each_other=members_see_each_other,
                )
            break
        except IntegrityError:
            # Another cohort took the slug between the read and the insert: pick the next one.
            continue
    else:
        raise ValidationError({"name": ["Could not find a free address for this name; try another."]})
    Membership.objects.create(cohort=cohort, user=owner, role=Role.OWNER)
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, name: str, description: str, start_date, members_see_each_other: bool) -> Cohort:
    """Change the cohort's settings (its address stays). Side effects: saves the cohort."""
    cohort.name, cohort.description = _clean_text(name, description)
    cohort.description_html = render_markdown(cohort.description)
    cohort.start_date = start_date
    cohort.members_see_each_other = members_see_each_other
    cohort.save()
    return cohort


@transaction.atomic
def cohort_archive(*, cohort: Cohort, archived: bool = True) -> Cohort:
    """Archive (read-only: no joining, no invitations, no nudges, no digest) or reopen a cohort.

    Side effects: sets archived_at; archiving revokes every open invitation.
    """
    if archived and cohort.archived_at is None:
        cohort.archived_at = timezone.now()
        cohort.save(update_fields=["archived_at", "updated_at"])
        cohort.invites.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    elif not archived and cohort.archived_at is not None:
        cohort.archived_at = None
        cohort.save(update_fields=["archived_at", "updated_at"])
    return cohort


@transaction.atomic
def cohort_delete(*, cohort: Cohort) -> None:
    """Delete the cohort for good. Side effects: deletes it with its memberships, invitations and
    nudges (the members' own progress and projects are theirs and stay)."""
    cohort.delete()


@transaction.atomic
def cohort_hide(*, cohort: Cohort, hidden: bool, reason: str = "") -> Cohort:
    """Staff moderation. Side effects: sets hidden and its reason; hiding revokes open invitations."""
    cohort.hidden = hidden
    cohort.hidden_reason = reason[:300] if hidden else ""
    cohort.save(update_fields=["hidden", "hidden_reason", "updated_at"])
    if hidden:
        cohort.invites.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    return cohort


def require_open(cohort: Cohort, what: str) -> None:
    """Raise ValidationError if the cohort is hidden or archived: `what` (joining, inviting...) waits."""
    if cohort.hidden:
        raise ValidationError(f"This cohort has been hidden by moderators: {what} is not possible.")
    if cohort.is_archived:
        raise ValidationError(f"This cohort is archived: {what} is not possible. Its owner can reopen it.")


# --- members -----------------------------------------------------------------------------------------


@transaction.atomic
def membership_leave(*, membership: Membership) -> None:
    """The member leaves; from the next request on, nobody in the cohort sees them.

    Side effects: deletes the membership (the nudges they received in the cohort go with it).
    An owner must hand the cohort over (or delete it) first.
    """
    if membership.role == Role.OWNER:
        raise ValidationError("You own this cohort: transfer it to a mentor or member first, or delete it.")
    membership.cohort.nudges.filter(recipient_id=membership.user_id).delete()
    membership.delete()


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """The owner removes someone (member or mentor). Side effects: as membership_leave."""
    if membership.role == Role.OWNER:
        raise ValidationError("The owner cannot be removed; transfer the cohort first.")
    membership_leave(membership=membership)


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    """Make a member a mentor, or a mentor a member again. Side effects: saves the role."""
    if role not in (Role.MENTOR, Role.MEMBER):
        raise ValidationError({"role": ["Choose mentor or member."]})
    if membership.role == Role.OWNER:
        raise ValidationError("The owner's role changes only by transferring the cohort.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def ownership_transfer(*, cohort: Cohort, to: Membership) -> Membership:
    """Hand the cohort to another of its people; the previous owner stays as a mentor.

    Side effects: the old owner's membership becomes mentor, `to` becomes owner.
    """
    if to.cohort_id != cohort.pk:
        raise ValidationError("That person is not in this cohort.")
    if to.role == Role.OWNER:
        return to
    current = Membership.objects.select_for_update().filter(cohort=cohort, role=Role.OWNER).first()
    if current is not None:
        current.role = Role.MENTOR
        current.save(update_fields=["role"])
    to.role = Role.OWNER
    to.save(update_fields=["role"])
    return to


EMAIL_SWITCHES = {"nudges": "nudges_opt_in", "digest": "digest_opt_in"}


@transaction.atomic
def membership_set_email(*, membership: Membership, kind: str, opt_in: bool) -> Membership:
    """A person's switch for one kind of the cohort's emails ("nudges": mentors' notes to a member;
    "digest": the mentor's monthly digest). Side effects: saves it; turning one off closes the emails
    of that kind still waiting to go (skipped)."""
    field_name = EMAIL_SWITCHES[kind]
    setattr(membership, field_name, bool(opt_in))
    membership.save(update_fields=[field_name])
    if not opt_in:
        if kind == "nudges":
            waiting = Nudge.objects.filter(cohort_id=membership.cohort_id, recipient_id=membership.user_id)
        else:
            waiting = MentorDigest.objects.filter(cohort_id=membership.cohort_id, mentor_id=membership.user_id)
        skip_open(waiting, reason="Turned off by the recipient.")
    return membership


@transaction.atomic
def owner_account_leaving(*, user) -> None:
    """Before an account is deleted: each cohort it owns passes to its longest-standing mentor (else
    its longest-standing member); a cohort with nobody else is deleted with the account.

    Side effects: role changes as in ownership_transfer; deletes cohorts left empty.
    """
    owned = Cohort.objects.filter(memberships__user=user, memberships__role=Role.OWNER)
    for cohort in owned:
        others = cohort.memberships.exclude(user=user)
        heir = (
            others.filter(role=Role.MENTOR).order_by("joined_at", "id").first()
            or others.order_by("joined_at", "id").first()
        )
        if heir is None:
            cohort.delete()
            continue
        Membership.objects.filter(cohort=cohort, user=user).update(role=Role.MEMBER)
        heir.role = Role.OWNER
        heir.save(update_fields=["role"])


# --- nudges --------------------------------------------------------------------------------------------

# A member hears from the cohort's mentors at most once a day; a mentor sends at most this many a day
# in one cohort (a nudge to everyone behind counts one per member).
NUDGE_RECIPIENT_INTERVAL = timedelta(hours=24)
NUDGES_PER_SENDER_PER_DAY = 50
OPTED_OUT_NOTE = "Not emailed: the member turned emails from mentors off."


@dataclass
class NudgeResult:
    queued: list = field(default_factory=list)  # Nudges to be emailed (pending)
    opted_out: list = field(default_factory=list)  # Nudges recorded, not emailed (member's choice)
    too_soon: list = field(default_factory=list)  # Memberships nudged in the last 24 hours: nothing done


@transaction.atomic
def nudge_send(*, cohort: Cohort, sender, recipients: list[Membership], message: str) -> NudgeResult:
    """A mentor's short note to some members (role "member" of this cohort).

    Side effects: inserts a Nudge per member not nudged in the last NUDGE_RECIPIENT_INTERVAL; queues
    the email of each whose member accepts mentors' emails (the others are recorded as skipped).
    Raises ValidationError for an empty or long message or no recipient, RateLimited past the
    sender's daily limit.
    """
    require_open(cohort, "nudging")
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": ["Write a short note."]})
    if len(message) > NUDGE_MAX:
        raise ValidationError({"message": [f"Keep it under {NUDGE_MAX} characters (it has {len(message)})."]})
    recipients = [m for m in recipients if m.cohort_id == cohort.pk and m.role == Role.MEMBER]
    if not recipients:
        raise ValidationError({"recipients": ["Nobody to nudge: choose a member of this cohort."]})
    now = timezone.now()
    day_ago = now - timedelta(days=1)
    sent_today = Nudge.objects.filter(cohort=cohort, sender=sender, created_at__gte=day_ago).count()
    result = NudgeResult()
    recent = set(
        Nudge.objects.filter(
            cohort=cohort,
            recipient_id__in=[m.user_id for m in recipients],
            created_at__gte=now - NUDGE_RECIPIENT_INTERVAL,
        ).values_list("recipient_id", flat=True)
    )
    fresh = [m for m in recipients if m.user_id not in recent]
    result.too_soon = [m for m in recipients if m.user_id in recent]
    if fresh and sent_today + len(fresh) > NUDGES_PER_SENDER_PER_DAY:
        raise RateLimited(
            f"You can send {NUDGES_PER_SENDER_PER_DAY} nudges a day in a cohort; "
            f"{max(0, NUDGES_PER_SENDER_PER_DAY - sent_today)} left today."
        )
    for membership in fresh:
        nudge = Nudge.objects.create(
            cohort=cohort,
            sender=sender,
            recipient_id=membership.user_id,
            message=message,
            status=Nudge.Status.PENDING if membership.nudges_opt_in else Nudge.Status.SKIPPED,
            error="" if membership.nudges_opt_in else OPTED_OUT_NOTE,
        )
        (result.queued if membership.nudges_opt_in else result.opted_out).append(nudge)
    ids = [nudge.pk for nudge in result.queued]
    transaction.on_commit(lambda: [tasks.send_nudge_email.delay(nudge_id=i) for i in ids])
    return result
