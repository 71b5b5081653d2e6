"""Print a new personal API token for a user, for scripts and automation."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.token_services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help='What the token is for (default "command line").')

    def handle(self, *args, username, name, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username__iexact=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        try:
            _token, key = api_token_create(user=user, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        # Only the key on stdout, so that `KEY=$(manage.py create_api_token alice)` works.
        self.stdout.write(key)
