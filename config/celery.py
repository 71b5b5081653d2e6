"""The Celery app: Redis is the broker when REDIS_URL is set, otherwise tasks run in-process (eager).

Run workers with `celery -A config worker` (as many as you like) and exactly ONE scheduler,
`celery -A config beat`: two beats would each enqueue the monthly reminders (harmless to learners,
since each delivery is claimed once, but wasted work). The compose file runs a single beat.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule(sender, **kwargs):
    from django.conf import settings

    # The monthly reminder: day REMINDER_DAY at REMINDER_HOUR:REMINDER_MINUTE UTC (CELERY_TIMEZONE).
    sender.add_periodic_task(
        crontab(minute=settings.REMINDER_MINUTE, hour=settings.REMINDER_HOUR, day_of_month=settings.REMINDER_DAY),
        sender.signature("accounts.send_monthly_reminders"),
        name="monthly-reminders",
    )
