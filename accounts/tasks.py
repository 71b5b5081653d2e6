"""Celery tasks of the monthly reminder: thin wrappers that take ids and call the services.

send_monthly_reminders (beat, monthly)  ->  send_reminder_batch (a few hundred user ids each)
    -> reminder_send per user over one SMTP connection  ->  send_reminder (one user: retries with
    exponential backoff after SMTP errors, and a later look at a delivery another worker holds).

Every task may run twice (acks_late + reject_on_worker_lost redeliver a task whose worker died, and
a month can be rerun by hand): the claim in reminder_send makes a second run send nothing.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from accounts.reminder_services import (
    SendResult,
    reminder_connection,
    reminder_send,
    reminders_dispatch,
    reminders_mark_sent,
    reminders_prepare_batch,
)
from accounts.reminders import parse_period
from roadmap.selectors import default_roadmap

logger = logging.getLogger(__name__)


@shared_task(name="accounts.send_monthly_reminders")
def send_monthly_reminders(period: str | None = None) -> dict:
    """Enqueue the month's reminders in batches of REMINDER_BATCH_SIZE user ids."""
    period = parse_period(period)
    users, batches = reminders_dispatch(
        period=period, enqueue=lambda ids: send_reminder_batch.delay(user_ids=ids, period=period)
    )
    return {"period": period, "users": users, "batches": batches}


@shared_task(name="accounts.send_reminder_batch")
def send_reminder_batch(user_ids: list[int], period: str) -> dict:
    """Send `period`'s reminder to each user, over one SMTP connection."""
    outcomes: dict[str, int] = {}
    roadmap = default_roadmap()
    prepared, shared = reminders_prepare_batch(user_ids=user_ids, period=period, roadmap=roadmap)
    # Opened by the first send, not here: a server that is down is one failed (and retried) send per user.
    connection = reminder_connection()
    accepted = []  # claims of the messages the server took, marked sent a few at a time
    try:
        for index, user_id in enumerate(user_ids):
            try:
                result = reminder_send(
                    user_id=user_id,
                    period=period,
                    connection=connection,
                    prepared=prepared[user_id],
                    roadmap=roadmap,
                    batch=shared,
                    accepted=accepted,
                )
            except SoftTimeLimitExceeded:
                # Out of time: hand the rest (this user included; its claim protects it) to a new task.
                send_reminder_batch.delay(user_ids=user_ids[index:], period=period)
                logger.warning(
                    "Reminder batch %s out of time; %d users moved to a new task", period, len(user_ids) - index
                )
                break
            except Exception:
                # One user's bug must not cost the rest of the batch their email; the row keeps the error.
                logger.exception("Reminder %s for user %s failed", period, user_id)
                outcomes["error"] = outcomes.get("error", 0) + 1
                continue
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            _follow_up(result, user_id=user_id, period=period, retry=0)
            if len(accepted) >= settings.REMINDER_SENT_FLUSH:
                reminders_mark_sent(accepted)
    finally:
        try:
            reminders_mark_sent(accepted)
        finally:
            connection.close()
    return outcomes


@shared_task(name="accounts.send_reminder")
def send_reminder(user_id: int, period: str, retry: int = 0) -> str:
    """Send one user's reminder: the retry path of a batch, and `send_reminders --user`."""
    result = reminder_send(user_id=user_id, period=period)
    _follow_up(result, user_id=user_id, period=period, retry=retry)
    return result.outcome


def _follow_up(result: SendResult, *, user_id: int, period: str, retry: int) -> None:
    """Schedule what comes next for one user: a retry after an SMTP error, or a look at a delivery
    another worker holds once its lease expires (so that a worker killed mid-send is covered)."""
    eager = send_reminder.app.conf.task_always_eager
    if result.outcome == "busy" and not eager:
        send_reminder.apply_async(
            kwargs={"user_id": user_id, "period": period, "retry": retry}, countdown=result.retry_after
        )
    elif result.outcome == "failed" and result.retryable and retry < settings.REMINDER_MAX_RETRIES:
        countdown = 0 if eager else settings.REMINDER_RETRY_BACKOFF * 2**retry
        send_reminder.apply_async(
            kwargs={"user_id": user_id, "period": period, "retry": retry + 1}, countdown=countdown
        )
