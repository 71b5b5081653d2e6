"""JSON shapes of the signed-in learner's profile and reminder preferences."""

from rest_framework import serializers

from accounts.models import User

PROFILE_FIELDS = [
    "display_name",
    "headline",
    "bio",
    "location",
    "github_username",
    "linkedin_url",
    "website_url",
    "timezone",
    "plan_start_date",
    "hours_per_week",
    "portfolio_public",
    "show_progress",
]


class ProfileSerializer(serializers.ModelSerializer):
    """The learner's own profile. Username and email are changed in the account pages."""

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
        read_only_fields = ["username", "email", "date_joined", "bio_html"]


class ReminderPreferencesSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["reminders_opt_in"]
        extra_kwargs = {"reminders_opt_in": {"help_text": "Receive the monthly update email."}}
