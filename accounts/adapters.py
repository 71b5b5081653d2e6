"""allauth hooks: our username rules at sign-up, the client address and one failed-login counter per
account for the rate limits, and a GitHub sign-up that fills in the profile."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from accounts.forms import validate_username
from accounts.models import RESERVED_USERNAMES, User
from config.client_ip import client_ip

# When this session signed in (seconds since the epoch): a sign-in is as fresh as a reauthentication.
SIGNED_IN_AT_SESSION_KEY = "signed_in_at"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": "That username is taken (usernames are unique regardless of upper and lower case).",
        "username_blacklisted": "That username is reserved for the site's own pages. Please choose another.",
    }

    def clean_username(self, username, shallow=False):
        """The model's format rules (allauth runs the field's validators), then ours: reserved words are
        refused and uniqueness ignores case. `shallow` (while generating a name for a GitHub sign-up)
        skips the database."""
        username = super().clean_username(username, shallow=True)
        if shallow:
            if username.lower() in RESERVED_USERNAMES:
                raise self.validation_error("username_blacklisted")
            return username
        return validate_username(username)

    def get_client_ip(self, request):
        """The address every allauth rate limit counts, from the one place that reads it (our
        TRUSTED_PROXY_COUNT rule); allauth's own would raise a server error for a request with a
        short X-Forwarded-For."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip

    def pre_authenticate(self, request, **credentials):
        """Counts a login attempt against the account it names, whichever way it names it.

        allauth keys the failed-login limit by the login as typed, so the username and the email of
        one account would be two counters (twice the guesses). An existing account is named here by
        its email address, the key allauth also clears after a successful password reset; a login
        that names no account keeps its own key.
        """
        login = credentials.get("email") or credentials.get("username") or ""
        if login:
            email = (
                User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
                .values_list("email", flat=True)
                .first()
            )
            if email:
                credentials = {"email": email}
        super().pre_authenticate(request, **credentials)

    def save_user(self, request, user, form, commit=True):
        """The new account, with the sign-up form's answer to the monthly email question and the
        browser's time zone (when it sent a known one)."""
        user = super().save_user(request, user, form, commit=False)
        user.reminders_opt_in = form.cleaned_data.get("reminders_opt_in", False)
        if form.cleaned_data.get("timezone"):
            user.timezone = form.cleaned_data["timezone"]
        if commit:
            user.save()
        return user

    def login(self, request, user):
        super().login(request, user)
        request.session[SIGNED_IN_AT_SESSION_KEY] = time.time()

    def is_reauthentication_required(self, *, app, **kwargs):
        """Two-factor settings ask for no password within ACCOUNT_REAUTHENTICATION_TIMEOUT of signing
        in in this session: allauth counts only a reauthentication as recent, so a learner turning on
        two-factor right after logging in would type the password twice in a minute. Changing the
        email address or deleting the account still asks again."""
        signed_in_at = self.request.session.get(SIGNED_IN_AT_SESSION_KEY) if self.request else None
        fresh = signed_in_at and time.time() - signed_in_at < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
        if app == "allauth.mfa" and fresh:
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        """A GitHub sign-up proposes the GitHub login as username and records it as the GitHub profile."""
        user = super().populate_user(request, sociallogin, data)
        login = (sociallogin.account.extra_data or {}).get("login", "")
        if sociallogin.account.provider == "github" and login:
            try:
                user._meta.get_field("github_username").run_validators(login)
            except ValidationError:
                return user
            user.github_username = login
        return user
