"""Forms of the learner's account: the extra sign-up question, the settings page, account deletion."""

from datetime import date, timedelta
from urllib.parse import urlsplit

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.forms import AdminPasswordChangeForm as BaseAdminPasswordChangeForm
from django.contrib.auth.forms import AdminUserCreationForm as BaseAdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.utils import timezone

from accounts.models import PROFILE_FIELDS, RESERVED_USERNAMES, TIMEZONE_CHOICES, User
from accounts.token_services import api_tokens_revoke_all

REMINDER_LABEL = "Send me one email a month: what changed in the roadmap and what to learn next"
REMINDER_HELP = (
    "At most one email a month. Every email has a one-click unsubscribe link; you can change this in settings."
)
SIGNUP_REMINDER_HELP = (
    "Optional: nothing is sent unless you tick it. At most one email a month, with your progress, what to "
    "learn next and what changed in the roadmap; every email has a one-click unsubscribe link."
)
EARLIEST_PLAN_START = date(2015, 1, 1)
# The longest login any account can have: an email address.
LOGIN_MAX_LENGTH = 254
http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)


def validate_username(username: str, *, user=None) -> str:
    """The rules for a public handle beyond its format (the model field checks letters, digits, - and _,
    and 3-30 characters): not a reserved word, and not taken by anyone else in any letter case."""
    if username.lower() in RESERVED_USERNAMES:
        raise ValidationError(
            "“%(username)s” is reserved for the site's own pages. Please choose another username.",
            code="reserved_username",
            params={"username": username},
        )
    taken = User.objects.filter(username__iexact=username)
    if user is not None and user.pk:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise ValidationError(
            "That username is taken (usernames are unique regardless of upper and lower case).",
            code="username_taken",
        )
    return username


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form with our wording and the monthly email question (unticked: the email is
    opt-in). The answer is stored by AccountAdapter.save_user."""

    reminders_opt_in = forms.BooleanField(
        label=REMINDER_LABEL, help_text=SIGNUP_REMINDER_HELP, required=False, initial=False
    )
    # The browser's time zone, filled in by static/js/site.js, so that activity days and plan dates are
    # the learner's own from the start. Without JavaScript (or with an unknown zone) it stays UTC,
    # which the settings page changes.
    timezone = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-detect-timezone": ""}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = "Your public handle: letters, digits, - and _, 3 to 30 characters."
        self.fields["username"].widget.attrs.update(autocapitalize="none", spellcheck="false")
        self.fields["password1"].help_text = "At least 8 characters; not a common or all-digit password."
        self.order_fields(["email", "username", "password1", "password2", "reminders_opt_in", "timezone"])

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone", "")
        return value if value in dict(TIMEZONE_CHOICES) else ""


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"
        # No account has a longer one (an email address is at most 254 characters); refused before
        # any lookup, which SQLite cannot even run for a pattern of tens of thousands of characters.
        self.fields["login"].max_length = LOGIN_MAX_LENGTH
        self.fields["login"].validators.append(MaxLengthValidator(LOGIN_MAX_LENGTH))
        self.fields["login"].widget.attrs["maxlength"] = str(LOGIN_MAX_LENGTH)
        self.fields["login"].widget.attrs.update(autocomplete="username", autocapitalize="none", spellcheck="false")
        # The page links to the password reset below the form.
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in on this device"


class HttpURLField(forms.URLField):
    """A URL that must be http or https (no javascript:, data:, ftp: ...)."""

    default_validators = [http_url_validator]
    default_error_messages = {"invalid": http_url_validator.message}


class TimezoneForm(forms.Form):
    """The dashboard's one-click offer to use the browser's time zone (an account that started on UTC)."""

    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, error_messages={"invalid_choice": "Unknown time zone."})


class SettingsForm(forms.ModelForm):
    """Profile, plan, public-page switches and the monthly email, on one page."""

    timezone = forms.ChoiceField(
        label="Time zone",
        choices=TIMEZONE_CHOICES,
        help_text="Your activity days and plan dates are counted in this time zone.",
    )
    plan_start_date = forms.DateField(
        label="Plan start date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The first day of your 12-month plan. Leave empty to use the day you signed up.",
    )
    hours_per_week = forms.IntegerField(
        label="Hours per week", min_value=1, max_value=80, help_text="How much time you plan to spend each week."
    )
    linkedin_url = HttpURLField(
        label="LinkedIn URL", required=False, assume_scheme="https", help_text="https://www.linkedin.com/in/your-name"
    )
    website_url = HttpURLField(label="Website", required=False, assume_scheme="https", help_text="Your site or blog.")

    class Meta:
        model = User
        fields = ["username", *PROFILE_FIELDS, "reminders_opt_in"]
        labels = {
            "display_name": "Display name",
            "github_username": "GitHub username",
            "portfolio_public": "Make my portfolio page public",
            "show_progress": "Show my roadmap progress on my public page",
            "reminders_opt_in": REMINDER_LABEL,
        }
        help_texts = {
            "username": "Your public handle and your page's address: letters, digits, - and _, 3 to 30 characters.",
            "display_name": "Shown instead of your username where it fits.",
            "headline": "One line, e.g. “Data analyst learning MLOps”.",
            "bio": "Markdown. Shown on your public page.",
            "github_username": "Just the name, e.g. octocat.",
            "portfolio_public": "Off: only you can see your portfolio. On: anyone with the link can.",
            "show_progress": "Your overall and per-phase progress, never your notes.",
            "reminders_opt_in": REMINDER_HELP,
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", spellcheck="false", autocapitalize="none")
        self.fields["github_username"].widget.attrs.update(spellcheck="false", autocapitalize="none")
        self.fields["location"].help_text = "City or country, if you want to share it."

    def clean_username(self):
        return validate_username(self.cleaned_data["username"], user=self.instance)

    def clean_github_username(self):
        value = self.cleaned_data["github_username"].strip()
        if value.startswith("@"):
            value = value[1:]
        return value

    def clean_linkedin_url(self):
        url = self.cleaned_data["linkedin_url"]
        if url:
            host = (urlsplit(url).hostname or "").lower()
            if host != "linkedin.com" and not host.endswith(".linkedin.com"):
                raise ValidationError("Enter a linkedin.com address, e.g. https://www.linkedin.com/in/your-name.")
        return url

    def clean_plan_start_date(self):
        value = self.cleaned_data["plan_start_date"]
        if value and value < EARLIEST_PLAN_START:
            raise ValidationError(f"Choose a date from {EARLIEST_PLAN_START:%Y} on.")
        if value and value > timezone.localdate() + timedelta(days=366):
            raise ValidationError("Choose a date within the next year.")
        return value


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label="Type your username to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value.lower() != self.user.username.lower():
            raise ValidationError("That is not your username. Nothing was deleted.")
        return value


class AdminUserCreationForm(BaseAdminUserCreationForm):
    """The admin's "add user" form, with the same username rules as sign-up."""

    class Meta(BaseAdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_username(self):
        return validate_username(self.cleaned_data["username"])


class AdminUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def clean_username(self):
        return validate_username(self.cleaned_data["username"], user=self.instance)


class AdminPasswordChangeForm(BaseAdminPasswordChangeForm):
    """The admin's "change password" (or "disable password") form: like allauth's flows, a new
    password ends the account's API tokens (accounts.token_signals covers those). save() is the one
    place the admin's password view calls only on success (it sends no signal, and it also redirects
    on a refused submission); a save signal on the user would also fire when Django rehashes a
    password at sign-in."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            api_tokens_revoke_all(user=user)
        return user
