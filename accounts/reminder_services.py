"""Writes for the monthly reminder: dispatching a month, sending one user's email exactly once,
unsubscribing.

Exactly once, in effect
=======================
Each (user, period) has one ReminderDelivery row (unique constraint; a batch inserts its rows with
ON CONFLICT DO NOTHING). A sender proceeds only if it *claims* the row with one conditional UPDATE
that changes exactly one row, and it claims at the last possible moment:

1. check   read the row: sent, skipped, out of attempts, or being sent -> nothing to do (cheap reruns)
2. render  the message (reads only, outside any transaction)
3. talk    SMTP up to the end of the message body: MAIL, RCPT, DATA, the body -- but not the final
           "." that makes the server accept the message
4. claim   UPDATE status='sending', claimed_at=now, sent_at=now, attempts=attempts+1
           WHERE id=? AND (status='pending' OR (status='failed' AND attempts < REMINDER_MAX_ATTEMPTS))
           If no row changed, another worker got there first: drop the connection without the final
           "." (the server discards the message) and stop. `claimed_at` is the claim's fencing token
           for the updates that follow.
5. accept  send the final "." and read the reply. 250 -> status 'sent' (a batch writes these a few
           at a time, see below). A 4xx/5xx reply -> status
           'failed' (error kept), retried with exponential backoff. An SMTP error before step 4
           (connection refused, MAIL/RCPT refused) -> 'failed' too, attempts counted, nothing claimed.

Two workers with the same user (a duplicate task, a rerun, a redelivered batch) both get to step 4;
one wins, the other's message is never completed. A worker that dies before step 4 leaves the row
pending or failed: the next run, or the redelivered batch, sends it at once.

The crash window. After step 4 the row is never claimed again; if the worker dies before writing
"sent", the row is closed as sent with a note once REMINDER_CLAIM_LEASE seconds have passed (a live
worker writes "sent" within milliseconds). What is left is inherent to SMTP (RFC 1047): between the
final "." and the server's 250 reply, only the server knows whether it took the message. The two
ways to be wrong are "resend" (duplicate if the server had accepted: the window from its acceptance
to our "sent" commit) and "don't resend" (a miss if it had not: the window from our claim commit
to its acceptance, i.e. the final "." in flight plus the server's end-of-data work). Both windows
are well under a millisecond on a local relay, against the many milliseconds a send spends before
step 4 (rendering, queries, MAIL/RCPT/DATA). We err on the side of never sending twice: a duplicate
reaches the learner's inbox and cannot be taken back, while a rare miss is visible in the admin (the
note on the row) and costs one month's summary. The same rule covers a connection that breaks after
the final "." was written: counted as sent, with the error noted. The Message-ID is fixed per (user,
period), so in the other direction a copy sent twice by hand is still recognisable.

Non-SMTP backends (console in development, locmem in tests) have no final ".": the claim is
committed just before the backend is called.

"Sent", a few at a time. A batch does not write each 250 at once: it collects the accepted claims and
marks them sent together every REMINDER_SENT_FLUSH emails and at its end (one UPDATE, no fsync wait),
so that an email costs one statement, its claim. Nothing in the protocol depends on that write: a
claimed, handed-over row is never claimed again, and if the worker dies before writing it, the rows
are closed as sent after the lease like any handed-over claim. What is lost in that case is only the
difference between "the server said 250" and "handed over" in the admin's note.
"""

import logging
import re
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import ReminderDelivery, User
from accounts.reminders import (
    ReminderBatch,
    build_reminder_message,
    eligible_users,
    reminder_batch,
    user_ids_to_remind,
)

logger = logging.getLogger(__name__)

Status = ReminderDelivery.Status
ERROR_LIMIT = 2000
INELIGIBLE_NOTE = "Not sent: the account is inactive, unverified or opted out."
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


# The claim runs once per email: plain SQL (the ORM would spend longer building it than the database
# spends running it). Claimable: pending; failed with attempts left; or claimed, never handed over and
# older than the lease (left by an older version of this protocol).
_CLAIM_SQL = """
    UPDATE {table} SET status = %s, claimed_at = %s, sent_at = %s, attempts = attempts + 1, updated_at = %s
    WHERE id = %s AND (
        status = %s
        OR (status = %s AND attempts < %s)
        OR (status = %s AND sent_at IS NULL AND claimed_at < %s)
    )
"""


def _claim(delivery_id: int) -> ReminderDelivery:
    """Step 4: claim the delivery with one conditional UPDATE, or raise LostClaim."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REMINDER_CLAIM_LEASE)
    at, before = (db_connection.ops.adapt_datetimefield_value(value) for value in (now, stale))
    sql = _CLAIM_SQL.format(table=db_connection.ops.quote_name(ReminderDelivery._meta.db_table))
    with db_connection.cursor() as cursor:
        set_values = [Status.SENDING, at, at, at]
        claimable = [Status.PENDING, Status.FAILED, settings.REMINDER_MAX_ATTEMPTS, Status.SENDING, before]
        cursor.execute(sql, [*set_values, delivery_id, *claimable])
        changed = cursor.rowcount
    if changed != 1:
        raise LostClaim(f"delivery {delivery_id} is not claimable")
    return ReminderDelivery(pk=delivery_id, claimed_at=now)


def _finish(claim: ReminderDelivery, *, status: str, error: str = "") -> None:
    values = {"status": status, "error": error[:ERROR_LIMIT], "updated_at": timezone.now()}
    if status == Status.FAILED:
        values["sent_at"] = None
    rows = ReminderDelivery.objects.filter(pk=claim.pk, claimed_at=claim.claimed_at)
    if status == Status.SENT:
        _update_sent(rows, values)
    else:
        rows.update(**values)


def _update_sent(rows, values: dict) -> int:
    """rows.update(**values) for rows becoming "sent", without waiting for the disk on PostgreSQL: if the
    database loses this write in a crash, the rows stay claimed and handed over, which are closed as
    sent anyway (never resent). One fsync saved per write."""
    if db_connection.vendor != "postgresql":
        return rows.update(**values)
    with transaction.atomic():
        with db_connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return rows.update(**values)


def reminders_mark_sent(claims: list[ReminderDelivery]) -> int:
    """Record as sent the claims whose messages the server accepted, in one statement; empties `claims`.
    Returns the number of rows written."""
    if not claims:
        return 0
    rows = ReminderDelivery.objects.filter(pk__in=[claim.pk for claim in claims], status=Status.SENDING)
    claims.clear()
    return _update_sent(rows, {"status": Status.SENT, "error": "", "updated_at": timezone.now()})


def _fail_unclaimed(delivery_id: int, error: str) -> None:
    """An attempt that failed before its claim: count it and keep the error, unless someone else
    has claimed or finished the row meanwhile."""
    ReminderDelivery.objects.filter(pk=delivery_id, status__in=[Status.PENDING, Status.FAILED]).update(
        status=Status.FAILED, attempts=F("attempts") + 1, error=error[:ERROR_LIMIT], updated_at=timezone.now()
    )


def _check(delivery: ReminderDelivery) -> SendResult | None:
    """Step 1: None if the delivery may be sent now, else what to report. Closes a delivery whose
    sender died after handing it over (see the crash window above)."""
    if delivery.status in (Status.SENT, Status.SKIPPED):
        return SendResult("done")
    if delivery.status == Status.FAILED and delivery.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        # Out of attempts: stays failed with its error for someone to look at.
        return SendResult("done", error=delivery.error)
    if delivery.status != Status.SENDING:
        return None
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE)
    expires = (delivery.claimed_at or timezone.now()) + lease
    if delivery.sent_at is None and expires <= timezone.now():
        return None  # an abandoned claim from before the handoff: claimable again
    if expires <= timezone.now():
        ReminderDelivery.objects.filter(pk=delivery.pk, claimed_at=delivery.claimed_at, status=Status.SENDING).update(
            status=Status.SENT, error=HANDED_OVER_NOTE, updated_at=timezone.now()
        )
        return SendResult("done")
    return SendResult("busy", retry_after=max(1.0, (expires - timezone.now()).total_seconds() + 1))


def _recheck(delivery_id: int) -> SendResult:
    delivery = ReminderDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return SendResult("done")
    return _check(delivery) or SendResult("busy", retry_after=1.0)


def reminders_prepare_batch(*, user_ids: list[int], period: str, roadmap=None) -> tuple[dict, ReminderBatch]:
    """Everything a batch needs up front, in a few queries: ({user_id: (user or None if no longer
    eligible, their delivery row)}, the reads their emails share).

    Side effects: inserts the missing ReminderDelivery rows of the eligible users (ON CONFLICT DO
    NOTHING, so concurrent batches and reruns are harmless).
    """
    users = {user.pk: user for user in eligible_users().filter(pk__in=user_ids)}
    ReminderDelivery.objects.bulk_create(
        [ReminderDelivery(user_id=user_id, period=period) for user_id in users], ignore_conflicts=True
    )
    deliveries = {d.user_id: d for d in ReminderDelivery.objects.filter(period=period, user_id__in=list(users))}
    entries = {user_id: (users.get(user_id), deliveries.get(user_id)) for user_id in user_ids}
    return entries, reminder_batch(list(users.values()), period=period, roadmap=roadmap)


def reminder_send(
    *,
    user_id: int,
    period: str,
    connection=None,
    prepared: tuple | None = None,
    roadmap=None,
    batch: ReminderBatch | None = None,
    accepted: list | None = None,
) -> SendResult:
    """Send `period`'s reminder to one user, unless it was sent already or another worker is at it.
    Call it outside a transaction: each step must be committed when it happens.

    `prepared` is the user's entry from reminders_prepare_batch and `batch` the reads shared by the
    batch, `roadmap` the roadmap to write about (all looked up when not given). With `accepted` (a
    list), a message the server accepted is not marked sent here: its claim is appended to the list,
    for the caller to write with reminders_mark_sent.

    Side effects: creates the user's ReminderDelivery for the period if missing; claims it; sends one
    email through `connection` (opened if needed and left open for the next user); marks the row
    sent, or failed with the error. An ineligible user (inactive, opted out, unverified) gets no
    email, and an open delivery of theirs is closed as skipped.
    """
    if prepared is None:
        user = eligible_users().filter(pk=user_id).first()
        delivery = ReminderDelivery.objects.get_or_create(user=user, period=period)[0] if user else None
    else:
        user, delivery = prepared
    if user is None or delivery is None:
        open_deliveries = ReminderDelivery.objects.filter(
            user_id=user_id, period=period, status__in=[Status.PENDING, Status.FAILED]
        )
        open_deliveries.update(status=Status.SKIPPED, error=INELIGIBLE_NOTE, updated_at=timezone.now())
        return SendResult("ineligible")
    early = _check(delivery)
    if early is not None:
        return early

    connection = connection or reminder_connection()
    claims = []

    def claim():
        claims.append(_claim(delivery.pk))

    try:
        message = build_reminder_message(user, period=period, connection=connection, roadmap=roadmap, batch=batch)
        _deliver(message, connection, handoff=claim)
    except LostClaim:
        return _recheck(delivery.pk)
    except HandedOver as exc:
        _finish(claims[0], status=Status.SENT, error=f"{DISCONNECTED_NOTE} ({exc})")
        return SendResult("sent")
    except (smtplib.SMTPException, OSError) as exc:
        error = _describe(exc)
        if claims:
            _finish(claims[0], status=Status.FAILED, error=error)
        else:
            _fail_unclaimed(delivery.pk, error)
        logger.warning("Reminder %s for user %s failed: %s", period, user_id, error)
        return SendResult("failed", retryable=not _permanent(exc), error=error)
    except BaseException as exc:
        # A bug (a template, a selector) or the task's time limit: keep the error on the row; the
        # caller logs the traceback. Once claimed, the message may have been accepted: never let it
        # be sent again.
        error = f"{exc.__class__.__name__}: {exc}"
        if claims:
            _finish(claims[0], status=Status.SENT, error=f"{DISCONNECTED_NOTE} ({error})")
        else:
            _fail_unclaimed(delivery.pk, error)
        raise
    if accepted is not None:
        accepted.append(claims[0])
    else:
        _finish(claims[0], status=Status.SENT)
    return SendResult("sent")


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
    if connection.open():
        # The body and the final "." go out as two writes with no reply in between: without this,
        # Nagle's algorithm holds the "." until the server's delayed ACK (~40 ms a message).
        connection.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
