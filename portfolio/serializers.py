"""JSON shapes of portfolio projects (the owner's full view, and what everyone sees) and of public
profiles. Validation of content is the services' job (portfolio.services); these only check types
and bounds so that a wrong type is a clear 400."""

from django.conf import settings
from rest_framework import serializers

from config.api import HttpUrlField, StrictSerializer, not_blank_validator
from portfolio import models as m
from portfolio.models import Project

# A slug as the services accept it (its own slugify()): lowercase letters and digits, words joined
# by single hyphens (or underscores), starting and ending with a letter or digit. The schema
# documents it, so that a client learns the rule before it sends an uppercase slug.
PROJECT_SLUG_PATTERN = r"^[a-z0-9]([a-z0-9_]*[a-z0-9])?(-[a-z0-9]([a-z0-9_]*[a-z0-9])?)*$"


class TechStackSerializer(StrictSerializer):
    """Tags per layer of the showcase template's tech stack."""

    def get_fields(self):
        return {
            key: serializers.ListField(
                child=serializers.CharField(max_length=m.TAG_MAX, validators=[not_blank_validator]),
                max_length=m.TAGS_PER_CATEGORY_MAX,
                required=False,
                help_text=f"{label} tags.",
            )
            for key, label in m.TECH_CATEGORIES
        }


class FeatureSerializer(StrictSerializer):
    text = serializers.CharField(max_length=m.FEATURE_TEXT_MAX, validators=[not_blank_validator])
    metric = serializers.CharField(max_length=m.FEATURE_METRIC_MAX, required=False, allow_blank=True, default="")


class ResultSerializer(StrictSerializer):
    metric = serializers.CharField(max_length=m.RESULT_CELL_MAX, validators=[not_blank_validator])
    baseline = serializers.CharField(max_length=m.RESULT_CELL_MAX, required=False, allow_blank=True, default="")
    final = serializers.CharField(max_length=m.RESULT_CELL_MAX, required=False, allow_blank=True, default="")


class ProjectSerializer(serializers.ModelSerializer):
    """A project as its owner sees it."""

    idea = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The idea it started from."
    )
    tech_stack = TechStackSerializer(read_only=True)
    features = FeatureSerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    skills = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Slugs of the roadmap steps it demonstrates."
    )
    live_demo_url = serializers.CharField(read_only=True)
    repository_url = serializers.CharField(read_only=True)
    html_url = serializers.SerializerMethodField(help_text="Its public page (visible to others once published).")

    class Meta:
        model = Project
        fields = [
            "slug",
            "title",
            "tier",
            "idea",
            "overview",
            "overview_html",
            "tech_stack",
            "features",
            "deployment",
            "deployment_html",
            "live_demo_url",
            "repository_url",
            "skills",
            "results",
            "started_on",
            "finished_on",
            "visibility",
            "published_at",
            "hidden",
            "hidden_reason",
            "position",
            "created_at",
            "updated_at",
            "html_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "visibility": {
                "help_text": "draft: only you; unlisted: anyone with the link; public: on your page. "
                "Changed with the publish and unpublish operations."
            },
        }

    def get_html_url(self, project) -> str:
        return f"{settings.SITE_URL}{project.get_absolute_url()}"


class ProjectWriteSerializer(StrictSerializer):
    """The fields of a project its owner writes; all optional (PATCH). Content rules (a shared
    project needs an overview, dates in order, ...) are the services'."""

    slug = serializers.RegexField(
        PROJECT_SLUG_PATTERN,
        max_length=m.SLUG_MAX,
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Use lowercase letters, digits and single hyphens between them."},
        help_text="Its address under /u/<username>/; made from the title when empty.",
    )
    title = serializers.CharField(max_length=m.TITLE_MAX, required=False, validators=[not_blank_validator])
    tier = serializers.ChoiceField(choices=Project.Tier.choices, required=False)
    overview = serializers.CharField(
        max_length=m.OVERVIEW_MAX,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Problem and solution, in Markdown. Required to publish.",
    )
    tech_stack = TechStackSerializer(required=False)
    features = serializers.ListField(child=FeatureSerializer(), required=False, max_length=m.FEATURES_MAX)
    deployment = serializers.CharField(
        max_length=m.DEPLOYMENT_MAX, required=False, allow_blank=True, trim_whitespace=False, help_text="Markdown."
    )
    live_demo_url = HttpUrlField(max_length=m.URL_MAX)
    repository_url = HttpUrlField(max_length=m.URL_MAX)
    skills = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        required=False,
        max_length=50,
        help_text="Slugs of the roadmap steps it demonstrates (replaces the list).",
    )
    results = serializers.ListField(child=ResultSerializer(), required=False, max_length=m.RESULTS_MAX)
    started_on = serializers.DateField(required=False, allow_null=True)
    finished_on = serializers.DateField(required=False, allow_null=True, help_text="Not before started_on.")


class ProjectCreateSerializer(ProjectWriteSerializer):
    """A new project: a title is all it needs; it starts as a draft."""

    title = serializers.CharField(max_length=m.TITLE_MAX, validators=[not_blank_validator])


class PublishSerializer(StrictSerializer):
    visibility = serializers.ChoiceField(
        choices=[Project.Visibility.PUBLIC, Project.Visibility.UNLISTED],
        default=Project.Visibility.PUBLIC,
        help_text="public: listed on your page; unlisted: only by its link.",
    )


class ProjectFilterSerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=Project.Visibility.choices, required=False)


class PublicProjectSerializer(serializers.ModelSerializer):
    """A published project, as everyone sees it."""

    tech_stack = TechStackSerializer(read_only=True)
    features = FeatureSerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    skills = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    live_demo_url = serializers.CharField(read_only=True)
    repository_url = serializers.CharField(read_only=True)
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "slug",
            "title",
            "tier",
            "overview_html",
            "tech_stack",
            "features",
            "deployment_html",
            "live_demo_url",
            "repository_url",
            "skills",
            "results",
            "started_on",
            "finished_on",
            "published_at",
            "html_url",
        ]
        read_only_fields = fields

    def get_html_url(self, project) -> str:
        return f"{settings.SITE_URL}{project.get_absolute_url()}"


class PublicProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class PublicProfileSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(help_text="The display name, else the username.")
    headline = serializers.CharField(allow_blank=True)
    bio_html = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    github_username = serializers.CharField(allow_blank=True)
    linkedin_url = serializers.CharField(allow_blank=True)
    website_url = serializers.CharField(allow_blank=True)
    html_url = serializers.CharField()
    progress = PublicProgressSerializer(
        allow_null=True, help_text="Roadmap progress (required topics), when the learner shows it; else null."
    )
    projects = PublicProjectSerializer(many=True, help_text="Published projects, in the owner's order.")
