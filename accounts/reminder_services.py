"""Writes for the monthly reminder: dispatching a month, sending one user's email exactly once,
unsubscribing.

Exactly once, in effect
=======================
Each (user, period) has one ReminderDelivery row (unique constraint). A sender must *claim* it with a
conditional UPDATE that changes exactly one row, and the claim's `claimed_at` is its fencing token:

1. claim   pending | failed with attempts left | sending but abandoned (claimed more than
           REMINDER_CLAIM_LEASE seconds ago and never handed over)  ->  sending, claimed_at = T
2. render  the message (outside any transaction)
3. talk    SMTP up to the end of the message body: MAIL, RCPT, DATA, the body -- but not the final
           "." that makes the server accept the message
4. handoff UPDATE sent_at = now WHERE claimed_at = T AND sent_at IS NULL AND the lease is still
           fresh. If no row changed, another worker has taken over: drop the connection without the
           final "." (the server discards the message) and stop.
5. accept  send the final "." and read the reply. 250 -> status sent. A 4xx/5xx reply -> status
           failed (sent_at cleared, error kept), retried with exponential backoff.

The crash window. A worker can die at any moment. Before step 4 nothing was handed over, and the
row is taken over when its lease expires: the user still gets exactly one email. After step 4 the
row is never claimed again; if the worker dies before writing "sent", the row is later closed as
sent with a note. What is left is inherent to SMTP (RFC 1047): between the final "." and the
server's 250 reply, only the server knows whether it took the message. The two ways to be wrong are
"resend" (duplicate if the server had accepted: the window from its acceptance to our "sent" commit)
and "don't resend" (a miss if it had not: the window from our handoff commit to its acceptance, i.e.
the final "." in flight plus the server's end-of-data work). Both windows are well under a
millisecond on a local relay, against the many milliseconds a send spends before the handoff
(rendering, queries, MAIL/RCPT/DATA). We err on the side of never sending twice: a duplicate
reaches the learner's inbox and cannot be taken back, while a rare miss is visible in the admin
(the note on the row) and costs one month's summary. The same rule covers a connection that breaks
after the final "." was written: counted as sent, with the error noted. The Message-ID is fixed per
(user, period), so in the other direction a copy sent twice by hand is still recognisable.

Non-SMTP backends (console in development, locmem in tests) have no final ".": the handoff is
committed just before the backend is called.
"""

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import ReminderDelivery, User
from accounts.reminders import build_reminder_message, eligible_users, user_ids_to_remind

logger = logging.getLogger(__name__)

Status = ReminderDelivery.Status
ERROR_LIMIT = 2000
HANDED_OVER_NOTE = "The worker stopped after handing the message to the SMTP server; counted as sent, not resent."
DISCONNECTED_NOTE = "The SMTP connection broke after the message was handed over; counted as sent, not resent."


class LostClaim(Exception):
    """Another worker took this delivery over: this one must not hand its message to the server."""


class HandedOver(Exception):
    """The connection broke after the message was handed over: the server may have accepted it."""


@dataclass
class SendResult:
    """What happened to one user's reminder.

    outcome: "sent"; "done" (already sent or closed); "busy" (another worker holds the claim: look
    again in `retry_after` seconds); "failed" (an SMTP error; `retryable` says whether trying again
    may help); "ineligible" (not active, opted out or unverified: nothing sent).
    """

    outcome: str
    retry_after: float = 0.0
    retryable: bool = False
    error: str = ""


# --- dispatch ---------------------------------------------------------------------------------


def reminders_dispatch(*, period: str, enqueue, batch_size: int | None = None) -> tuple[int, int]:
    """Stream the ids of users still to remind for `period` and hand them to `enqueue(ids)` in batches,
    each after the current transaction commits. Ids are read with a (server-side on PostgreSQL)
    iterator, so memory stays flat whatever the number of users. Returns (users, batches).

    Side effects: calls `enqueue` once per batch (the task layer publishes a task).
    """
    batch_size = batch_size or settings.REMINDER_BATCH_SIZE
    users = batches = 0
    batch: list[int] = []
    for user_id in user_ids_to_remind(period).iterator(chunk_size=batch_size):
        batch.append(user_id)
        if len(batch) == batch_size:
            transaction.on_commit(lambda ids=batch: enqueue(ids))
            users, batches, batch = users + len(batch), batches + 1, []
    if batch:
        transaction.on_commit(lambda ids=batch: enqueue(ids))
        users, batches = users + len(batch), batches + 1
    logger.info("Reminders %s: %d users in %d batches", period, users, batches)
    return users, batches


def reminder_connection():
    """An email connection for a run of sends (kept open across a batch), with a bounded timeout."""
    return get_connection(timeout=settings.REMINDER_SMTP_TIMEOUT)


# --- one user's send ------------------------------------------------------------------------------


def _claim(delivery_id: int) -> ReminderDelivery | None:
    """Claim the delivery with one conditional UPDATE; the claimed row, or None if someone else has it."""
    now = timezone.now()
    lease_start = now - timedelta(seconds=settings.REMINDER_CLAIM_LEASE)
    claimable = (
        Q(status=Status.PENDING)
        | Q(status=Status.FAILED, attempts__lt=settings.REMINDER_MAX_ATTEMPTS)
        | Q(status=Status.SENDING, sent_at__isnull=True, claimed_at__lt=lease_start)
    )
    changed = ReminderDelivery.objects.filter(claimable, pk=delivery_id).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, sent_at=None, updated_at=now
    )
    if changed != 1:
        return None
    return ReminderDelivery.objects.get(pk=delivery_id)


def _handoff(delivery: ReminderDelivery) -> None:
    """Record that the message is being handed to the server, if this worker still holds a fresh claim."""
    now = timezone.now()
    changed = ReminderDelivery.objects.filter(
        pk=delivery.pk,
        status=Status.SENDING,
        claimed_at=delivery.claimed_at,
        claimed_at__gte=now - timedelta(seconds=settings.REMINDER_CLAIM_LEASE),
        sent_at__isnull=True,
    ).update(sent_at=now, updated_at=now)
    if changed != 1:
        raise LostClaim(f"delivery {delivery.pk} was taken over")


def _finish(delivery: ReminderDelivery, *, status: str, error: str = "", clear_sent_at: bool = False) -> None:
    values = {"status": status, "error": error[:ERROR_LIMIT], "updated_at": timezone.now()}
    if clear_sent_at:
        values["sent_at"] = None
    ReminderDelivery.objects.filter(pk=delivery.pk, claimed_at=delivery.claimed_at).update(**values)


def _busy_or_done(delivery_id: int) -> SendResult:
    """The claim failed: say why, closing a delivery whose sender died after handing it over."""
    delivery = ReminderDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (Status.SENT, Status.SKIPPED):
        return SendResult("done")
    if delivery.status == Status.FAILED:
        # Out of attempts: stays failed with its error for someone to look at.
        return SendResult("done", error=delivery.error)
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE)
    expires = delivery.claimed_at + lease if delivery.claimed_at else timezone.now()
    if delivery.sent_at is not None and expires <= timezone.now():
        ReminderDelivery.objects.filter(pk=delivery.pk, claimed_at=delivery.claimed_at, status=Status.SENDING).update(
            status=Status.SENT, error=HANDED_OVER_NOTE, updated_at=timezone.now()
        )
        return SendResult("done")
    return SendResult("busy", retry_after=max(1.0, (expires - timezone.now()).total_seconds() + 1))


def reminder_send(*, user_id: int, period: str, connection=None) -> SendResult:
    """Send `period`'s reminder to one user, unless it was sent already or another worker is at it.

    Side effects: creates the user's ReminderDelivery for the period if missing; claims it; sends one
    email through `connection` (opened if needed and left open for the next user); marks the row
    sent, or failed with the error. An ineligible user (inactive, opted out, unverified) gets no
    email, and an open delivery of theirs is closed as skipped.
    """
    user = eligible_users().filter(pk=user_id).first()
    if user is None:
        ReminderDelivery.objects.filter(
            user_id=user_id, period=period, status__in=[Status.PENDING, Status.FAILED]
        ).update(
            status=Status.SKIPPED,
            error="Not sent: the account is inactive, unverified or opted out.",
            updated_at=timezone.now(),
        )
        return SendResult("ineligible")
    delivery, _ = ReminderDelivery.objects.get_or_create(user=user, period=period)
    delivery = _claim(delivery.pk)
    if delivery is None:
        return _busy_or_done_for(user_id, period)
    connection = connection or reminder_connection()
    handed_over = []

    def handoff():
        _handoff(delivery)
        handed_over.append(True)

    try:
        message = build_reminder_message(user, period=period, connection=connection)
        _deliver(message, connection, handoff=handoff)
    except LostClaim:
        logger.warning("Reminder %s for user %s: claim lost before handoff; not sent", period, user_id)
        return _busy_or_done_for(user_id, period)
    except HandedOver as exc:
        _finish(delivery, status=Status.SENT, error=f"{DISCONNECTED_NOTE} ({exc})")
        return SendResult("sent")
    except (smtplib.SMTPException, OSError) as exc:
        error = _describe(exc)
        _finish(delivery, status=Status.FAILED, error=error, clear_sent_at=True)
        logger.warning("Reminder %s for user %s failed: %s", period, user_id, error)
        return SendResult("failed", retryable=not _permanent(exc), error=error)
    except BaseException as exc:
        # A bug (a template, a selector) or the task's time limit: keep the error on the row; the
        # caller logs the traceback. Once handed over, the message may have been accepted: never
        # let it be sent again.
        error = f"{exc.__class__.__name__}: {exc}"
        if handed_over:
            _finish(delivery, status=Status.SENT, error=f"{DISCONNECTED_NOTE} ({error})")
        else:
            _finish(delivery, status=Status.FAILED, error=error, clear_sent_at=True)
        raise
    _finish(delivery, status=Status.SENT)
    return SendResult("sent")


def _busy_or_done_for(user_id: int, period: str) -> SendResult:
    delivery_id = ReminderDelivery.objects.filter(user_id=user_id, period=period).values_list("pk", flat=True).first()
    return _busy_or_done(delivery_id) if delivery_id else SendResult("done")


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.__class__.__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{exc.__class__.__name__}: {exc}"


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _permanent(exc: Exception) -> bool:
    """A 5xx refusal of the recipient will not change by retrying within the month."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _msg in exc.recipients.values())
    return False


# --- delivery with a handoff point ------------------------------------------------------------------


def _deliver(message, connection, *, handoff) -> None:
    """Send one message, calling `handoff()` at the last moment before the server can accept it."""
    if not isinstance(connection, SMTPBackend):
        handoff()
        connection.send_messages([message])
        return
    _smtp_deliver(message, connection, handoff)


def _drop(connection: SMTPBackend) -> None:
    """Close the socket without QUIT (in the middle of DATA a QUIT would be taken as message text)."""
    if connection.connection is not None:
        try:
            connection.connection.close()
        finally:
            connection.connection = None


def _smtp_deliver(message, connection: SMTPBackend, handoff) -> None:
    """smtplib's sendmail, split before the final "." so that the handoff is recorded in between."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    from_email = sanitize_address(message.from_email, encoding)
    recipients = [sanitize_address(addr, encoding) for addr in message.recipients()]
    data = message.message().as_bytes(linesep="\r\n")
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    connection.open()
    smtp = connection.connection
    try:
        smtp.ehlo_or_helo_if_needed()
        options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
        code, reply = smtp.mail(from_email, options)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, reply, from_email)
        refused = {}
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
        if len(refused) == len(recipients):
            smtp.rset()
            raise smtplib.SMTPRecipientsRefused(refused)
        code, reply = smtp.docmd("data")
        if code != 354:
            smtp.rset()
            raise smtplib.SMTPDataError(code, reply)
        smtp.send(data)
    except (smtplib.SMTPServerDisconnected, OSError):
        _drop(connection)
        raise
    try:
        handoff()
    except BaseException:
        # No final ".": the server discards the message when the connection drops.
        _drop(connection)
        raise
    try:
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        _drop(connection)
        raise HandedOver(str(exc) or exc.__class__.__name__) from exc
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


# --- unsubscribe ----------------------------------------------------------------------------------


def reminders_unsubscribe(*, user_id: int) -> bool:
    """Turn the monthly reminder off for the user; idempotent. False if there is no such user.

    Side effects: sets reminders_opt_in to False; closes the user's open deliveries (pending or
    failed) as skipped, so that a retry already queued sends nothing.
    """
    if not User.objects.filter(pk=user_id).update(reminders_opt_in=False):
        return False
    ReminderDelivery.objects.filter(user_id=user_id, status__in=[Status.PENDING, Status.FAILED]).update(
        status=Status.SKIPPED, error="Unsubscribed.", updated_at=timezone.now()
    )
    return True
