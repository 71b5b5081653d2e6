"""`createsuperuser`, with the email address verified: the admin signs in through allauth, which asks
every account to verify its address, so a superuser made with plain `createsuperuser` could not sign
in until a confirmation email (printed to the console in development) was followed."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import createsuperuser
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    help = "Create a superuser whose email address is verified, so that they can sign in to /admin/ at once."

    def handle(self, *args, **options):
        User = get_user_model()
        before = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)
        created = User.objects.filter(is_superuser=True).exclude(pk__in=before).order_by("-date_joined").first()
        if created is None:
            raise CommandError("No superuser was created.")
        if not created.email:
            raise CommandError(f"{created.get_username()} has no email address: add one in the admin to sign in.")
        EmailAddress.objects.filter(user=created).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=created, email=created.email, defaults={"verified": True, "primary": True}
        )
        if options["verbosity"] >= 1:
            self.stdout.write(f"{created.email} is verified: sign in at /admin/ as {created.get_username()}.")
