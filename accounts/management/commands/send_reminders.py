"""Send the monthly reminder by hand: the catch-up after an outage, or one user's email.

    manage.py send_reminders                          # this month, everyone still due
    manage.py send_reminders --period 2026-01         # a given month
    manage.py send_reminders --user alice             # one user, now, in this process
    manage.py send_reminders --dry-run                # who would get it; sends nothing

The same path as the monthly beat: users already sent this month get nothing, so it is safe to run
again. With REDIS_URL set, batches go to the workers; without it, they run here.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import ReminderDelivery, User
from accounts.reminder_services import reminder_send
from accounts.reminders import eligible_users, parse_period, user_ids_to_remind
from accounts.tasks import send_monthly_reminders

Status = ReminderDelivery.Status


class Command(BaseCommand):
    help = "Send (or with --dry-run, list) the monthly reminder for a period; safe to rerun."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM (default: this month, UTC)")
        parser.add_argument("--user", metavar="USERNAME", help="only this user, sent from this process")
        parser.add_argument("--dry-run", action="store_true", help="list who would get it; send nothing")

    def handle(self, *args, period=None, user=None, dry_run=False, **options):
        try:
            period = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if user:
            return self._one(user, period, dry_run)
        if dry_run:
            ids = user_ids_to_remind(period)
            count = ids.count()
            self.stdout.write(f"{period}: {count} user(s) would get the reminder.")
            for username in (
                User.objects.filter(pk__in=ids).order_by("username").values_list("username", flat=True)[:50]
            ):
                self.stdout.write(f"  {username}")
            if count > 50:
                self.stdout.write(f"  ... and {count - 50} more")
            return
        result = send_monthly_reminders.apply(kwargs={"period": period}).get()
        self.stdout.write(
            self.style.SUCCESS(
                f"{period}: {result['users']} user(s) in {result['batches']} batch(es) queued for sending."
            )
        )

    def _one(self, username, period, dry_run):
        target = User.objects.filter(username__iexact=username).first()
        if target is None:
            raise CommandError(f"No user {username!r}.")
        if not eligible_users().filter(pk=target.pk).exists():
            raise CommandError(f"{target.username} does not get reminders (inactive, unverified email or opted out).")
        if dry_run:
            due = user_ids_to_remind(period).filter(pk=target.pk).exists()
            self.stdout.write(f"{period}: {target.username} {'would get' if due else 'already has'} the reminder.")
            return
        outcome = reminder_send(user_id=target.pk, period=period)
        if outcome.kind == "sent":
            self.stdout.write(self.style.SUCCESS(f"{period}: sent to {target.email}."))
        elif outcome.kind == "busy":
            self.stdout.write(f"{period}: another worker is sending it right now.")
        elif outcome.kind in ("failed", "unknown"):
            raise CommandError(f"{period}: {outcome.kind}: {outcome.error}")
        else:
            delivery = ReminderDelivery.objects.get(user=target, period=period)
            self.stdout.write(f"{period}: {target.username} {self._state(delivery)}")

    @staticmethod
    def _state(delivery) -> str:
        """Why nothing was sent, in the words staff need."""
        if delivery.status == Status.SENT:
            return f"already has this month's reminder (sent {delivery.sent_at:%Y-%m-%d %H:%M} UTC)."
        if delivery.status == Status.UNKNOWN:
            return "has a reminder whose fate is unknown; not sent again (the admin's Send again does)."
        if delivery.status == Status.FAILED:
            return f"is out of attempts; last error: {delivery.error} (the admin's Send again tries anew)."
        return f"is skipped: {delivery.error}"
