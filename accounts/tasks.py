"""Celery tasks of the monthly reminder: thin wrappers that take ids and call the services.

send_monthly_reminders (beat, monthly) -> send_reminder_batch (REMINDER_BATCH_SIZE user ids each,
one email connection) -> send_reminder (one user: the retry of a refused send, with exponential
backoff; the admin's "Send again"). expire_email_claims (beat, every few minutes) turns the claims of
senders that died into "unknown".

Any task may run twice (a worker killed mid-task gets its task redelivered, a month can be rerun by
hand, staff can click twice): the claim in accounts.mail.deliver makes a second run send nothing.
"""

import contextlib
import logging

from celery import shared_task
from django.core.mail import get_connection
from django.dispatch import Signal

from accounts.mail import Outcome, expire_claims
from accounts.reminder_services import reminder_send, reminders_dispatch, reminders_prepare_batch
from accounts.reminders import parse_period
from roadmap.selectors import default_roadmap

logger = logging.getLogger(__name__)

# A refused send is tried again 1, 2, 4, 8 and 16 minutes later; after that the month's rerun
# (send_reminders) or staff pick it up while it has attempts left (EmailDelivery.max_attempts).
RETRY_DELAY = 60
MAX_RETRIES = 5

# The monthly emails of apps above accounts go out with the reminder (the cohorts' mentor digest):
# a receiver takes `period` and queues its own tasks (accounts never imports those apps).
monthly_emails = Signal()


@shared_task(name="accounts.send_monthly_reminders")
def send_monthly_reminders(period: str | None = None) -> dict:
    """Enqueue the month's reminders in batches of REMINDER_BATCH_SIZE user ids."""
    period = parse_period(period)
    expire_claims()
    users, batches = reminders_dispatch(
        period=period, enqueue=lambda ids: send_reminder_batch.delay(user_ids=ids, period=period)
    )
    monthly_emails.send(sender=send_monthly_reminders, period=period)
    return {"period": period, "users": users, "batches": batches}


@shared_task(name="accounts.send_reminder_batch")
def send_reminder_batch(user_ids: list[int], period: str) -> dict:
    """Send `period`'s reminder to each user, over one email connection."""
    outcomes: dict[str, int] = {}
    roadmap = default_roadmap()
    prepared, shared = reminders_prepare_batch(user_ids=user_ids, period=period, roadmap=roadmap)
    # Opened by the first send, not here: a server that is down is one failed (and retried) send per user.
    connection = get_connection()
    try:
        for user_id in user_ids:
            try:
                outcome = reminder_send(
                    user_id=user_id,
                    period=period,
                    connection=connection,
                    prepared=prepared[user_id],
                    roadmap=roadmap,
                    batch=shared,
                )
            except Exception:
                # One user's bug must not cost the rest of the batch their email; the row keeps the error.
                logger.exception("Reminder %s for user %s failed", period, user_id)
                outcomes["error"] = outcomes.get("error", 0) + 1
                continue
            outcomes[outcome.kind] = outcomes.get(outcome.kind, 0) + 1
            _retry_if_refused(outcome, user_id=user_id, period=period, retry=0)
    finally:
        with contextlib.suppress(OSError):
            connection.close()
    return outcomes


@shared_task(name="accounts.send_reminder")
def send_reminder(user_id: int, period: str, retry: int = 0) -> str:
    """Send one user's reminder: the retry of a refused send, and the admin's "Send again"."""
    outcome = reminder_send(user_id=user_id, period=period)
    _retry_if_refused(outcome, user_id=user_id, period=period, retry=retry)
    return outcome.kind


@shared_task(name="accounts.expire_email_claims")
def expire_email_claims() -> int:
    """Deliveries claimed by a sender that died (past their lease) become "unknown" for staff to see."""
    return expire_claims()


def _retry_if_refused(outcome: Outcome, *, user_id: int, period: str, retry: int) -> None:
    if outcome.kind == "failed" and outcome.retryable and retry < MAX_RETRIES:
        send_reminder.apply_async(
            kwargs={"user_id": user_id, "period": period, "retry": retry + 1}, countdown=RETRY_DELAY * 2**retry
        )
