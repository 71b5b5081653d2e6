"""Celery tasks of cohorts: thin wrappers that take ids, call cohorts.delivery (which reloads the
rows and returns quietly when they are gone) and retry a refused send with backoff. Queued with
transaction.on_commit by the services; any of them may run twice (the claim in
accounts.mail.deliver makes a second run send nothing).

send_mentor_digests (with the monthly reminder) -> send_cohort_digests (one cohort: its mentors)
"""

from celery import shared_task
from django.db import transaction

from accounts.reminders import parse_period
from cohorts import delivery
from cohorts.digest import digests_prepare

# A refused send is tried again 1, 2, 4, 8 and 16 minutes later.
RETRY_DELAY = 60
MAX_RETRIES = 5


def _retry(task, outcome, retry: int, **kwargs) -> None:
    if outcome.kind == "failed" and outcome.retryable and retry < MAX_RETRIES:
        task.apply_async(kwargs={**kwargs, "retry": retry + 1}, countdown=RETRY_DELAY * 2**retry)


@shared_task(name="cohorts.send_invite_email")
def send_invite_email(invite_email_id: int, retry: int = 0) -> str:
    """Send one sending of an email invitation."""
    outcome = delivery.invite_deliver(invite_email_id=invite_email_id)
    _retry(send_invite_email, outcome, retry, invite_email_id=invite_email_id)
    return outcome.kind


@shared_task(name="cohorts.send_nudge_email")
def send_nudge_email(nudge_id: int, retry: int = 0) -> str:
    """Send one mentor's nudge."""
    outcome = delivery.nudge_deliver(nudge_id=nudge_id)
    _retry(send_nudge_email, outcome, retry, nudge_id=nudge_id)
    return outcome.kind


@shared_task(name="cohorts.send_mentor_digests")
def send_mentor_digests(period: str | None = None) -> dict:
    """Make the month's digest rows and queue one task per cohort with digests to send."""
    period = parse_period(period)
    cohort_ids = digests_prepare(period=period)
    for cohort_id in cohort_ids:
        transaction.on_commit(lambda cohort_id=cohort_id: send_cohort_digests.delay(cohort_id=cohort_id, period=period))
    return {"period": period, "cohorts": len(cohort_ids)}


@shared_task(name="cohorts.send_cohort_digests")
def send_cohort_digests(cohort_id: int, period: str, retry: int = 0) -> dict:
    """Send one cohort's digest to each of its mentors still due one; a refused send is retried."""
    outcomes = delivery.digests_send(cohort_id=cohort_id, period=period)
    if outcomes.get("failed") and retry < MAX_RETRIES:
        send_cohort_digests.apply_async(
            kwargs={"cohort_id": cohort_id, "period": period, "retry": retry + 1}, countdown=RETRY_DELAY * 2**retry
        )
    return outcomes
