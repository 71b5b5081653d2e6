"""Sending the cohort's emails, each at most once, through accounts.mail.deliver (claim -> send ->
mark, the reminders' path): an invitation's sends, a mentor's nudge, the mentor's monthly digest.
Each function reloads its rows, decides whether the email should still go (an invitation revoked
meanwhile, a member who left or opted out, a mentor who is no longer one), and records why not.
Called by the thin tasks in cohorts/tasks.py, and by the tests directly.
"""

import contextlib
import logging

from django.core.mail import get_connection

from accounts.mail import Outcome, deliver, skip_open
from cohorts import emails
from cohorts.digest import digest_summary
from cohorts.models import Cohort, InviteEmail, Membership, MentorDigest, Nudge

logger = logging.getLogger(__name__)
Role = Membership.Role


def invite_deliver(*, invite_email_id: int) -> Outcome:
    """Send one sending of an email invitation, unless the invitation stopped being usable."""
    row = InviteEmail.objects.select_related("invite__cohort__roadmap", "invite__created_by").filter(pk=invite_email_id)
    invite_email = row.first()
    if invite_email is None:
        return Outcome("done")
    invite = invite_email.invite
    if not invite.is_usable or invite.cohort.is_archived or invite.cohort.hidden:
        skip_open(row, reason="The invitation was withdrawn, answered or expired before it was sent.")
        return Outcome("done")
    return deliver(delivery=invite_email, message=emails.invite_message(invite, number=invite_email.number))


def nudge_deliver(*, nudge_id: int) -> Outcome:
    """Send one nudge, unless the member left or turned mentors' emails off meanwhile."""
    rows = Nudge.objects.select_related("cohort", "sender", "recipient").filter(pk=nudge_id)
    nudge = rows.first()
    if nudge is None:
        return Outcome("done")
    membership = Membership.objects.filter(
        cohort_id=nudge.cohort_id, user_id=nudge.recipient_id, role=Role.MEMBER
    ).first()
    if membership is None or not membership.nudges_opt_in or not nudge.recipient.is_active:
        skip_open(rows, reason="The member left the cohort or turned emails from mentors off.")
        return Outcome("done")
    return deliver(delivery=nudge, message=emails.nudge_message(nudge, membership))


def digests_send(*, cohort_id: int, period: str, connection=None) -> dict:
    """Send `period`'s digest of one cohort to each of its mentors still due one, over one connection.
    The cohort's summary is read once for all of them. Returns {outcome kind: count}.

    Side effects: each delivery claimed, sent and marked; a row whose mentor is no longer a mentor
    of an active cohort, or turned the digest off, is closed as skipped.
    """
    rows = MentorDigest.objects.filter(cohort_id=cohort_id, period=period).claimable().select_related("mentor")
    digests = list(rows)
    if not digests:
        return {}
    cohort = Cohort.objects.select_related("roadmap").filter(pk=cohort_id).first()
    mentors = {}
    if cohort is not None and not cohort.is_archived and not cohort.hidden:
        mentors = {
            m.user_id: m for m in cohort.memberships.filter(role__in=[Role.OWNER, Role.MENTOR], digest_opt_in=True)
        }
    outcomes: dict[str, int] = {}
    summary = None
    own_connection = connection is None
    connection = connection or get_connection()
    try:
        for digest in digests:
            membership = mentors.get(digest.mentor_id)
            if membership is None or not digest.mentor.is_active:
                skip_open(
                    MentorDigest.objects.filter(pk=digest.pk),
                    reason="No longer a mentor of an active cohort, or the digest was turned off.",
                )
                outcomes["skipped"] = outcomes.get("skipped", 0) + 1
                continue
            if summary is None:
                summary = digest_summary(cohort, period=period)
            outcome = deliver(
                delivery=digest, message=emails.digest_message(digest, membership, summary), connection=connection
            )
            outcomes[outcome.kind] = outcomes.get(outcome.kind, 0) + 1
    finally:
        if own_connection:
            with contextlib.suppress(OSError):
                connection.close()
    return outcomes
