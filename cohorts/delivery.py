"""Sending the cohort's emails, each at most once: a send claims its row with one conditional UPDATE
and proceeds only if exactly one row changed, so that a duplicate or redelivered task sends nothing.
A failure is kept on the row for the owner (invitations) or the mentors (nudges) to see."""

import logging
import smtplib

from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from cohorts import emails
from cohorts.models import Invite, Membership, Nudge

logger = logging.getLogger(__name__)
ERROR_MAX = 500


def _send(message) -> None:
    connection = get_connection(timeout=10)
    message.connection = connection
    connection.send_messages([message])


def invite_deliver(*, invite_id: int) -> str:
    """Send the email of an open invitation's latest send. Returns "sent", "done" (nothing to send:
    already sent, revoked, answered, gone) or "failed".

    Side effects: claims the send (emails_sent := sends); on an SMTP error keeps it in last_error.
    """
    invite = Invite.objects.select_related("cohort", "created_by").filter(pk=invite_id).first()
    if invite is None or not invite.is_usable or invite.kind != Invite.Kind.EMAIL:
        return "done"
    claimed = Invite.objects.filter(pk=invite.pk, emails_sent__lt=F("sends")).update(
        emails_sent=F("sends"), last_error=""
    )
    if claimed != 1:
        return "done"
    try:
        _send(emails.invite_message(invite))
    except (smtplib.SMTPException, OSError) as exc:
        Invite.objects.filter(pk=invite.pk).update(last_error=f"{exc.__class__.__name__}: {exc}"[:ERROR_MAX])
        logger.warning("Invitation %s could not be sent: %s", invite.pk, exc)
        return "failed"
    return "sent"


def nudge_deliver(*, nudge_id: int) -> str:
    """Send one queued nudge. Returns "sent", "skipped" (the member left or turned mentors' emails
    off since), "done" (not queued any more) or "failed".

    Side effects: claims the nudge (queued -> sent); an SMTP error marks it failed with the error.
    """
    nudge = Nudge.objects.select_related("cohort", "sender", "recipient").filter(pk=nudge_id).first()
    if nudge is None or nudge.status != Nudge.Status.QUEUED:
        return "done"
    membership = Membership.objects.filter(cohort_id=nudge.cohort_id, user_id=nudge.recipient_id).first()
    if membership is None or not membership.nudges_opt_in or not nudge.recipient.is_active:
        Nudge.objects.filter(pk=nudge.pk, status=Nudge.Status.QUEUED).update(status=Nudge.Status.SKIPPED)
        return "skipped"
    claimed = Nudge.objects.filter(pk=nudge.pk, status=Nudge.Status.QUEUED).update(
        status=Nudge.Status.SENT, sent_at=timezone.now()
    )
    if claimed != 1:
        return "done"
    try:
        _send(emails.nudge_message(nudge, membership))
    except (smtplib.SMTPException, OSError) as exc:
        Nudge.objects.filter(pk=nudge.pk).update(
            status=Nudge.Status.FAILED, sent_at=None, error=f"{exc.__class__.__name__}: {exc}"[:ERROR_MAX]
        )
        logger.warning("Nudge %s could not be sent: %s", nudge.pk, exc)
        return "failed"
    return "sent"
