"""The Celery app: Redis is the broker when REDIS_URL is set, otherwise tasks run in-process (eager).

Run workers with `celery -A config worker` (as many as you like) and exactly ONE scheduler,
`celery -A config beat`: two beats would each enqueue the monthly reminders (harmless to learners,
since each delivery is claimed once, but wasted work). The compose file runs a single beat.
"""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule(sender, **kwargs):
    # The monthly reminder: day REMINDER_DAY of the month at REMINDER_HOUR:00 UTC (CELERY_TIMEZONE).
    sender.add_periodic_task(
        crontab(minute=0, hour=settings.REMINDER_HOUR, day_of_month=settings.REMINDER_DAY),
        sender.signature("accounts.send_monthly_reminders"),
        name="monthly-reminders",
    )
    # The roadmap's resource links, weekly by default (LINK_CHECK_DAYS).
    if settings.LINK_CHECK_DAYS:
        sender.add_periodic_task(
            crontab(minute=0, hour=4, day_of_week=settings.LINK_CHECK_DAYS),
            sender.signature("roadmap.check_links"),
            name="check-links",
        )
    # Emails whose sender died mid-send show up as "unknown" in the admin within minutes.
    sender.add_periodic_task(
        crontab(minute="*/5"), sender.signature("accounts.expire_email_claims"), name="expire-email-claims"
    )
