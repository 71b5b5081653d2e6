"""Print a user's monthly reminder as it would be sent now (nothing is sent or recorded).

manage.py preview_reminder alice [--period 2026-01] [--html]
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.reminders import build_reminder_message, parse_period


class Command(BaseCommand):
    help = "Print the monthly reminder email of USERNAME (headers and text; --html for the HTML part)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--period", help="YYYY-MM (default: this month, UTC)")
        parser.add_argument("--html", action="store_true", help="print the HTML part instead of the text")

    def handle(self, *args, username, period=None, html=False, **options):
        try:
            period = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        message = build_reminder_message(user, period=period)
        if html:
            self.stdout.write(message.alternatives[0][0])
            return
        mime = message.message()
        for header in ("From", "To", "Subject", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
            self.stdout.write(f"{header}: {mime[header]}")
        self.stdout.write("")
        self.stdout.write(message.body)
