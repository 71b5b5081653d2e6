"""Print a mentor's monthly digest of a cohort as it would be sent now (nothing is sent or recorded).

manage.py preview_mentor_digest alice spring-study-group [--period 2026-01] [--html]
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.reminders import parse_period
from cohorts import emails
from cohorts.digest import digest_summary
from cohorts.models import Membership, MentorDigest


class Command(BaseCommand):
    help = "Print the monthly mentor digest of COHORT for USERNAME (headers and text; --html for the HTML part)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("cohort", help="the cohort's slug")
        parser.add_argument("--period", help="YYYY-MM (default: this month, UTC)")
        parser.add_argument("--html", action="store_true", help="print the HTML part instead of the text")

    def handle(self, *args, username, cohort, period=None, html=False, **options):
        try:
            period = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        membership = (
            Membership.objects.select_related("user", "cohort__roadmap")
            .filter(user__username__iexact=username, cohort__slug=cohort)
            .first()
        )
        if membership is None:
            raise CommandError(f"{username!r} is not in a cohort {cohort!r}.")
        if not membership.is_mentor:
            raise CommandError(f"{username!r} is a member of {cohort!r}, not a mentor: members get no digest.")
        # An unsaved row: the message needs its fields, and nothing is recorded.
        digest = MentorDigest(mentor=membership.user, cohort=membership.cohort, period=period)
        summary = digest_summary(membership.cohort, period=period)
        message = emails.digest_message(digest, membership, summary)
        if html:
            self.stdout.write(message.alternatives[0][0])
            return
        mime = message.message()
        for header in ("From", "To", "Subject", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
            self.stdout.write(f"{header}: {mime[header]}")
        self.stdout.write("")
        self.stdout.write(message.body)
