"""JSON shapes of the signed-in learner's profile and reminder preferences.

The write serializers check JSON types and document the rules; the rules themselves are the
settings form's (accounts.forms.SettingsForm), which the API runs too, so that the settings page and
the API accept exactly the same values.
"""

import datetime

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from accounts.forms import EARLIEST_PLAN_START
from accounts.models import PROFILE_FIELDS, TIMEZONE_CHOICES, User
from config.api import HTTP_URL_PATTERN, HttpUrlField, StrictSerializer

# The settings form accepts linkedin.com addresses only.
LINKEDIN_URL_PATTERN = HTTP_URL_PATTERN.replace(
    r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,3}[A-Za-z]{2,24}",
    r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)?linkedin\.com",
)


class ProfileSerializer(serializers.ModelSerializer):
    """The learner's own profile. Username and email are changed in the account pages."""

    linkedin_url = serializers.CharField(read_only=True)
    website_url = serializers.CharField(read_only=True)
    plan_start = serializers.DateField(read_only=True, help_text="The plan's first day (plan_start_date or sign-up).")
    page_hidden = serializers.BooleanField(read_only=True, help_text="Staff hid the public page.")
    page_hidden_reason = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "username",
            "email",
            "date_joined",
            *PROFILE_FIELDS,
            "bio_html",
            "plan_start",
            "page_hidden",
            "page_hidden_reason",
        ]
        read_only_fields = fields


class PlanStartField(serializers.DateField):
    """A plan start from EARLIEST_PLAN_START to the end of this year (the settings form allows up
    to a year ahead; a fixed year's end keeps the documented range simple)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        last = datetime.date(timezone.localdate().year, 12, 31)
        if not EARLIEST_PLAN_START <= day <= last:
            self.fail("out_of_range", first=EARLIEST_PLAN_START.isoformat(), last=last.isoformat())
        return day

    default_error_messages = {"out_of_range": "Choose a date from {first} to {last}."}


class PlanStartFieldScheme(OpenApiSerializerFieldExtension):
    """Documents PlanStartField's range as a pattern on the years (computed when the schema is made)."""

    target_class = PlanStartField

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string", "format": "date"}
        if direction == "request":
            years = "|".join(str(y) for y in range(EARLIEST_PLAN_START.year, timezone.localdate().year + 1))
            schema["pattern"] = rf"^({years})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
            schema["description"] = f"From {EARLIEST_PLAN_START.isoformat()} to the end of this year."
        if self.target.allow_null:
            schema["nullable"] = True
        return schema


class ProfileWriteSerializer(StrictSerializer):
    """The profile fields a learner writes (PATCH: any of them; PUT: the same, all optional)."""

    display_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    headline = serializers.CharField(max_length=140, required=False, allow_blank=True)
    bio = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Markdown, shown on your public page."
    )
    location = serializers.CharField(max_length=80, required=False, allow_blank=True)
    github_username = serializers.CharField(
        max_length=39,
        required=False,
        allow_blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9](-?[A-Za-z0-9])*$", "Enter a GitHub username.")],
        help_text="Just the name, e.g. octocat.",
    )
    linkedin_url = HttpUrlField(
        max_length=200,
        pattern=LINKEDIN_URL_PATTERN,
        message="Enter a linkedin.com address, e.g. https://www.linkedin.com/in/your-name.",
        help_text="A linkedin.com address.",
    )
    website_url = HttpUrlField(max_length=200)
    timezone = serializers.ChoiceField(choices=TIMEZONE_CHOICES, required=False)
    plan_start_date = PlanStartField(
        required=False, allow_null=True, help_text="The plan's first day; null: the day you signed up."
    )
    hours_per_week = serializers.IntegerField(min_value=1, max_value=80, required=False)
    portfolio_public = serializers.BooleanField(required=False, help_text="Anyone with the link sees your page.")
    show_progress = serializers.BooleanField(required=False, help_text="Show your progress on your public page.")


class ReminderPreferencesSerializer(StrictSerializer):
    reminders_opt_in = serializers.BooleanField(help_text="Receive the monthly update email.")
