"""Writes for the monthly reminder: dispatching a month, sending one user's email at most once,
unsubscribing.

Each (user, period) has one ReminderDelivery row (unique constraint; a batch inserts its rows with
ON CONFLICT DO NOTHING). The email is rendered first (reads only), then sent by accounts.mail.deliver:
a conditional UPDATE claims the row, the backend sends, the row is marked sent at once (or failed,
or unknown when the connection broke mid-send). A rerun, a duplicate task, a second beat tick or a
second worker finds the row claimed or sent and sends nothing; see accounts/mail.py.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.mail import Outcome, deliver, describe_error, settled_outcome, skip_open
from accounts.models import ReminderDelivery, User
from accounts.reminders import ReminderBatch, build_reminder_message, eligible_users, reminder_batch, user_ids_to_remind

logger = logging.getLogger(__name__)

Status = ReminderDelivery.Status
INELIGIBLE_NOTE = "Not sent: the account is inactive, unverified or opted out."


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
) -> Outcome:
    """Send `period`'s reminder to one user, unless it was sent already, another worker is at it, or
    its fate is unknown. Call it outside a transaction: each step must be committed when it happens.

    `prepared` is the user's entry from reminders_prepare_batch and `batch` the reads shared by the
    batch, `roadmap` the roadmap to write about (all looked up when not given); `connection` an email
    backend connection kept open across a batch. Returns accounts.mail.Outcome, or kind
    "ineligible" for a user who must not get it.

    Side effects: creates the user's ReminderDelivery for the period if missing; claims it, sends
    one email, marks it sent (or failed, or unknown: see accounts.mail.deliver). An ineligible user
    (inactive, opted out, unverified) gets no email, and an open delivery of theirs is closed as
    skipped. A message that cannot be rendered leaves the row failed with the error.
    """
    if prepared is None:
        user = eligible_users().filter(pk=user_id).first()
        delivery = ReminderDelivery.objects.get_or_create(user=user, period=period)[0] if user else None
    else:
        user, delivery = prepared
    if user is None or delivery is None:
        skip_open(ReminderDelivery.objects.filter(user_id=user_id, period=period), reason=INELIGIBLE_NOTE)
        return Outcome("ineligible")
    early = settled_outcome(delivery)
    if early is not None:
        return early
    try:
        message = build_reminder_message(user, period=period, roadmap=roadmap, batch=batch)
    except Exception as exc:
        # A bug (a template, a selector): nothing was sent; keep the error where staff look.
        ReminderDelivery.objects.filter(pk=delivery.pk).claimable().update(
            status=Status.FAILED, attempts=F("attempts") + 1, error=describe_error(exc), updated_at=timezone.now()
        )
        raise
    return deliver(delivery=delivery, message=message, connection=connection)


def reminders_unsubscribe(*, user_id: int) -> bool:
    """Turn the monthly reminder off for the user; idempotent. False if there is no such user.

    Side effects: sets reminders_opt_in to False; closes the user's open deliveries (pending or
    failed) as skipped, so that a retry already queued sends nothing.
    """
    if not User.objects.filter(pk=user_id).update(reminders_opt_in=False):
        return False
    skip_open(ReminderDelivery.objects.filter(user_id=user_id), reason="Unsubscribed.")
    return True
