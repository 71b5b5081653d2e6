"""Shapes of the cohort API. The member fields are exactly what the join page says mentors see;
no serializer here has a field for notes, email addresses or drafts."""

from rest_framework import serializers

from cohorts.models import Membership
from config.api import StrictSerializer
from roadmap.plan import PLAN_STATES


class CohortSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    roadmap = serializers.SlugField(source="cohort.roadmap.slug")
    start_date = serializers.DateField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    archived = serializers.BooleanField()
    member_count = serializers.IntegerField()
    html_url = serializers.URLField()


class CohortCountsSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class CohortPlanSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[(s, s) for s in PLAN_STATES])
    weeks_delta = serializers.IntegerField(help_text="Positive: weeks ahead of the plan; negative: behind.")
    summary = serializers.CharField()
    start_date = serializers.DateField()


class StepCellSerializer(serializers.Serializer):
    step = serializers.SlugField()
    number = serializers.IntegerField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class SharedProjectSerializer(serializers.Serializer):
    title = serializers.CharField()
    visibility = serializers.ChoiceField(choices=[("public", "Public"), ("unlisted", "Unlisted")])
    url = serializers.CharField(help_text="The project's page, or empty when the member's portfolio page is private.")


class MemberSerializer(serializers.Serializer):
    """A member as others in the cohort see them. `steps`, `last_active`, `active_days` and
    `projects` are given to the cohort's mentors (and to the member about themselves) only."""

    username = serializers.CharField()
    name = serializers.CharField()
    joined_at = serializers.DateTimeField()
    progress = CohortCountsSerializer()
    plan = CohortPlanSerializer()
    steps = StepCellSerializer(many=True, required=False)
    last_active = serializers.DateField(allow_null=True, required=False)
    active_days = serializers.IntegerField(required=False, help_text="Days with a topic finished in the last 30.")
    projects = SharedProjectSerializer(many=True, required=False)

    def to_representation(self, instance):
        # Fields not given for this member are left out (DRF would write a nullable one as null).
        data = super().to_representation(instance)
        return {name: value for name, value in data.items() if name in instance}


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class CohortDetailSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description_html = serializers.CharField()
    roadmap = serializers.SlugField()
    start_date = serializers.DateField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, help_text="Your role in the cohort.")
    archived = serializers.BooleanField()
    members_see_each_other = serializers.BooleanField()
    member_count = serializers.IntegerField()
    average_percent = serializers.IntegerField()
    expected_percent = serializers.IntegerField(help_text="What the cohort's plan expects done today.")
    mentors = PersonSerializer(many=True)
    members = MemberSerializer(
        many=True,
        help_text="Mentors: every member with their shared progress. Members: everyone's overall progress "
        "and plan status if the owner lets members see each other, else only themselves.",
    )
    html_url = serializers.URLField()


class JoinSerializer(StrictSerializer):
    token = serializers.CharField(max_length=64, help_text="The token of a join link or email invitation.")
    consent = serializers.BooleanField(
        help_text="Must be true: you agree that the cohort's mentors see your progress per step and topic, "
        "plan status, activity days and published and unlisted projects (never notes, email address or drafts)."
    )
    align_plan_start = serializers.BooleanField(
        default=False, help_text="Set your plan's start date to the cohort's (default: keep your own)."
    )


class MembershipSerializer(serializers.Serializer):
    cohort = serializers.SlugField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    joined_at = serializers.DateTimeField()
