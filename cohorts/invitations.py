"""Invitations to a cohort and joining it: join links (expiring, revocable, reusable), invitations
sent to one address (resent within limits, accepted only by whoever verified that address), the
explicit consent of joining, and declining. The views, the API and the tests call these; they raise
ValidationError (RateLimited past a limit) with a message a person can act on.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import settings_update
from cohorts import tasks
from cohorts.models import Cohort, Invite, InviteEmail, Membership
from cohorts.services import RateLimited, require_open

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


def _expiry(days: int):
    if not isinstance(days, int) or not 1 <= days <= INVITE_DAYS_MAX:
        raise ValidationError({"days": [f"Choose from 1 to {INVITE_DAYS_MAX} days."]})
    return timezone.now() + timedelta(days=days)


@transaction.atomic
def invite_link_create(*, cohort: Cohort, by, days: int = INVITE_DAYS_DEFAULT) -> Invite:
    """A new join link valid for `days` days. Side effects: inserts the invitation."""
    require_open(cohort, "inviting")
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
    require_open(cohort, "inviting")
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
    require_open(invite.cohort, "inviting")
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
    require_open(invite.cohort, "joining")
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
