"""Celery tasks of cohorts: thin wrappers that take ids, reload the rows, return quietly when they
are gone, and call cohorts.delivery. Queued with transaction.on_commit by the services."""

from celery import shared_task

from cohorts import delivery


@shared_task(name="cohorts.send_invite_email")
def send_invite_email(invite_id: int) -> str:
    """Send (or send again) one email invitation."""
    return delivery.invite_deliver(invite_id=invite_id)


@shared_task(name="cohorts.send_nudge_email")
def send_nudge_email(nudge_id: int) -> str:
    """Send one mentor's nudge, unless the member left or turned mentors' emails off meanwhile."""
    return delivery.nudge_deliver(nudge_id=nudge_id)
