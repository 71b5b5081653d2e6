"""Writes of cohorts: creating one, inviting, joining with consent, leaving, the owner's management
(roles, removal, transfer, archive, delete) and staff moderation. The HTML views, the REST API and
the admin call these; each raises django.core.exceptions.ValidationError with a message a person
can act on when the request cannot be done. Callers decide who may ask (cohorts.selectors.role_in);
these keep the cohort's own rules (one owner, consent recorded, an owner cannot simply leave).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.mail import skip_open
from accounts.services import settings_update
from cohorts import tasks
from cohorts.models import (
    NUDGE_MAX,
    RESERVED_SLUGS,
    Cohort,
    Invite,
    InviteEmail,
    Membership,
    MentorDigest,
    Nudge,
)
from roadmap.markdown import render_markdown

Role = Membership.Role

INVITE_DAYS_DEFAULT = 14
INVITE_DAYS_MAX = 90
# An email invitation goes out at most this many times (the first send included), and not more
# often than every INVITE_RESEND_INTERVAL: enough for a lost email, not enough to pester anyone.
INVITE_MAX_SENDS = 3
INVITE_RESEND_INTERVAL = timedelta(minutes=10)
# Open email invitations a cohort may have at once, and new ones it may send a day: room for a class
# or a team, not for a mailing list.
OPEN_EMAIL_INVITES_MAX = 500
EMAIL_INVITES_PER_DAY = 100


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


def _require_open(cohort: Cohort, what: str) -> None:
    if cohort.hidden:
        raise ValidationError(f"This cohort has been hidden by moderators: {what} is not possible.")
    if cohort.is_archived:
        raise ValidationError(f"This cohort is archived: {what} is not possible. Its owner can reopen it.")


# --- invitations ----------------------------------------------------------------------------------


def _expiry(days: int):
    if not isinstance(days, int) or not 1 <= days <= INVITE_DAYS_MAX:
        raise ValidationError({"days": [f"Choose from 1 to {INVITE_DAYS_MAX} days."]})
    return timezone.now() + timedelta(days=days)


@transaction.atomic
def invite_link_create(*, cohort: Cohort, by, days: int = INVITE_DAYS_DEFAULT) -> Invite:
    """A new join link valid for `days` days. Side effects: inserts the invitation."""
    _require_open(cohort, "inviting")
    return Invite.objects.create(cohort=cohort, kind=Invite.Kind.LINK, created_by=by, expires_at=_expiry(days))


@transaction.atomic
def invite_revoke(*, invite: Invite) -> Invite:
    """Stop an invitation from working (idempotent). Side effects: sets revoked_at."""
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
    return invite


def _normalise_email(email: str) -> str:
    email = (email or "").strip()
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if local else email


@transaction.atomic
def invite_email_create(*, cohort: Cohort, by, email: str, days: int = INVITE_DAYS_DEFAULT) -> tuple[Invite, bool]:
    """Invite one address; (invite, created). Inviting an address with an open invitation sends that
    one again (within the resend limit) instead of making a second.

    Side effects: inserts the invitation (or counts a resend) and queues its email after commit.
    Raises ValidationError when the address already belongs to a member, RateLimited past the limit.
    """
    _require_open(cohort, "inviting")
    email = _normalise_email(email)
    if Membership.objects.filter(cohort=cohort, user__email__iexact=email).exists():
        raise ValidationError({"email": ["Someone with this address is already in the cohort."]})
    existing = (
        cohort.invites.select_for_update()
        .filter(kind=Invite.Kind.EMAIL, email__iexact=email, status=Invite.Status.PENDING, revoked_at__isnull=True)
        .first()
    )
    if existing is not None and not existing.is_expired:
        return invite_email_resend(invite=existing), False
    if existing is not None:
        # Expired: close it so that the new one can take its place.
        existing.revoked_at = timezone.now()
        existing.save(update_fields=["revoked_at"])
    if cohort.invites.usable().filter(kind=Invite.Kind.EMAIL).count() >= OPEN_EMAIL_INVITES_MAX:
        raise RateLimited(f"A cohort can have {OPEN_EMAIL_INVITES_MAX} open email invitations at once.")
    day_ago = timezone.now() - timedelta(days=1)
    if cohort.invites.filter(kind=Invite.Kind.EMAIL, created_at__gte=day_ago).count() >= EMAIL_INVITES_PER_DAY:
        raise RateLimited(
            f"A cohort can send {EMAIL_INVITES_PER_DAY} new email invitations a day; try again tomorrow, "
            "or share a join link."
        )
    invite = Invite.objects.create(
        cohort=cohort,
        kind=Invite.Kind.EMAIL,
        email=email,
        created_by=by,
        expires_at=_expiry(days),
        sends=1,
        last_sent_at=timezone.now(),
    )
    _queue_invite_email(invite)
    return invite, True


@transaction.atomic
def invite_email_resend(*, invite: Invite) -> Invite:
    """Send an open email invitation again, at most INVITE_MAX_SENDS times in all and not more often
    than every INVITE_RESEND_INTERVAL; a resend also extends an invitation about to expire.

    Side effects: counts the send and queues the email after commit. RateLimited past the limits.
    """
    _require_open(invite.cohort, "inviting")
    if invite.kind != Invite.Kind.EMAIL or not invite.is_usable:
        raise ValidationError("Only an open email invitation can be sent again.")
    now = timezone.now()
    if invite.sends >= INVITE_MAX_SENDS:
        raise RateLimited(f"This invitation has been sent {invite.sends} times, the most we send. Revoke it or wait.")
    if invite.last_sent_at and now - invite.last_sent_at < INVITE_RESEND_INTERVAL:
        minutes = int((INVITE_RESEND_INTERVAL - (now - invite.last_sent_at)).total_seconds() // 60) + 1
        raise RateLimited(f"This invitation was sent a moment ago; you can send it again in {minutes} minutes.")
    updated = Invite.objects.filter(pk=invite.pk, sends=invite.sends).update(
        sends=F("sends") + 1, last_sent_at=now, expires_at=max(invite.expires_at, now + timedelta(days=3))
    )
    if not updated:
        raise RateLimited("This invitation is being sent right now.")
    invite.refresh_from_db()
    _queue_invite_email(invite)
    return invite


def _queue_invite_email(invite: Invite) -> None:
    """Record this send as its own email (InviteEmail number `invite.sends`) and queue it after commit."""
    row = InviteEmail.objects.create(invite=invite, number=invite.sends)
    transaction.on_commit(lambda: tasks.send_invite_email.delay(invite_email_id=row.pk))


def verified_emails(user) -> set[str]:
    """The user's verified addresses, lower-cased (one query)."""
    return {
        email.lower() for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    }


def invite_check(*, invite: Invite, user) -> None:
    """Raise ValidationError saying why `user` cannot accept `invite`, if they cannot."""
    _require_open(invite.cohort, "joining")
    if invite.revoked_at is not None:
        raise ValidationError("This invitation was withdrawn. Ask the cohort's owner for a new one.")
    if invite.is_expired:
        raise ValidationError("This invitation has expired. Ask the cohort's owner for a new one.")
    if invite.status != Invite.Status.PENDING:
        raise ValidationError(f"This invitation was already {invite.get_status_display().lower()}.")
    if invite.kind == Invite.Kind.EMAIL and invite.email.lower() not in verified_emails(user):
        raise ValidationError(
            "This invitation was sent to another email address. Sign in with the account of that address "
            "(or add and verify it in your account's email settings) to accept it."
        )


@transaction.atomic
def cohort_join(*, invite: Invite, user, consent: bool, align_plan: bool = False) -> Membership:
    """`user` joins the invite's cohort as a member, having agreed to share what the join page listed.

    Side effects: inserts the membership with the time of consent; counts the link's use or marks the
    email invitation accepted; with `align_plan`, sets the user's plan start to the cohort's start
    date (their dashboard and reminders follow it).
    Raises ValidationError without consent, for an invitation that cannot be used, or when already in.
    """
    if consent is not True:
        raise ValidationError({"consent": ["Tick the box to agree to share this with the cohort's mentors."]})
    invite = Invite.objects.select_for_update().select_related("cohort").get(pk=invite.pk)
    invite_check(invite=invite, user=user)
    if Membership.objects.filter(cohort=invite.cohort, user=user).exists():
        raise ValidationError("You are already in this cohort.")
    membership = Membership.objects.create(
        cohort=invite.cohort, user=user, role=Role.MEMBER, consented_at=timezone.now()
    )
    now = timezone.now()
    if invite.kind == Invite.Kind.EMAIL:
        Invite.objects.filter(pk=invite.pk).update(status=Invite.Status.ACCEPTED, answered_at=now, uses=F("uses") + 1)
    else:
        Invite.objects.filter(pk=invite.pk).update(uses=F("uses") + 1)
    # Any other open invitation to one of this person's addresses is answered too.
    Invite.objects.filter(
        cohort=invite.cohort, kind=Invite.Kind.EMAIL, status=Invite.Status.PENDING, email__in=_emails_of(user)
    ).update(status=Invite.Status.ACCEPTED, answered_at=now)
    if align_plan and user.plan_start_date != invite.cohort.start_date:
        settings_update(user=user, changes={"plan_start_date": invite.cohort.start_date})
    return membership


def _emails_of(user) -> list[str]:
    return [*verified_emails(user), user.email.lower()]


@transaction.atomic
def invite_decline(*, invite: Invite, user) -> Invite:
    """Decline an email invitation addressed to one of `user`'s verified addresses.

    Side effects: marks the invitation declined (the owner sees it in the invitation list).
    """
    if invite.kind != Invite.Kind.EMAIL:
        raise ValidationError("Only an invitation sent to you can be declined; just do not follow the link.")
    invite_check(invite=invite, user=user)
    invite.status = Invite.Status.DECLINED
    invite.answered_at = timezone.now()
    invite.save(update_fields=["status", "answered_at"])
    return invite


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
    _require_open(cohort, "nudging")
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
