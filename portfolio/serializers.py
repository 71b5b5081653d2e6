"""JSON shapes of portfolio projects (the owner's full view, and what everyone sees) and of public
profiles. Validation of content is the services' job (portfolio.services); these only check types
and bounds so that a wrong type is a clear 400."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portfolio import models as m
from portfolio.models import Project
from roadmap.models import Step


@extend_schema_field({"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "description": "A roadmap step's slug."})
class StepSlugField(serializers.RelatedField):
    """A roadmap step named by its slug (as in /roadmaps/<slug>/steps/<step-slug>/)."""

    default_error_messages = {
        "does_not_exist": 'No step "{value}" in the published roadmaps.',
        "invalid": "Give a step's slug.",
    }

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Step.objects.filter(roadmap__published=True).order_by("roadmap_id", "number"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data:
            self.fail("invalid")
        step = self.get_queryset().filter(slug=data).first()
        if step is None:
            self.fail("does_not_exist", value=data[:80])
        return step

    def to_representation(self, value):
        return value.slug


class TechStackSerializer(serializers.Serializer):
    """Tags per layer of the showcase template's tech stack."""

    def get_fields(self):
        return {
            key: serializers.ListField(
                child=serializers.CharField(max_length=m.TAG_MAX),
                max_length=m.TAGS_PER_CATEGORY_MAX,
                required=False,
                help_text=f"{label} tags.",
            )
            for key, label in m.TECH_CATEGORIES
        }


class FeatureSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=m.FEATURE_TEXT_MAX)
    metric = serializers.CharField(max_length=m.FEATURE_METRIC_MAX, required=False, allow_blank=True, default="")


class ResultSerializer(serializers.Serializer):
    metric = serializers.CharField(max_length=m.RESULT_CELL_MAX)
    baseline = serializers.CharField(max_length=m.RESULT_CELL_MAX, required=False, allow_blank=True, default="")
    final = serializers.CharField(max_length=m.RESULT_CELL_MAX, required=False, allow_blank=True, default="")


class ProjectSerializer(serializers.ModelSerializer):
    """A project as its owner sees and edits it."""

    slug = serializers.SlugField(
        max_length=m.SLUG_MAX,
        required=False,
        allow_blank=True,
        help_text="Its address under /u/<username>/; made from the title when empty.",
    )
    idea = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The idea it started from.")
    tech_stack = TechStackSerializer(required=False)
    features = FeatureSerializer(many=True, required=False, max_length=m.FEATURES_MAX)
    results = ResultSerializer(many=True, required=False, max_length=m.RESULTS_MAX)
    skills = StepSlugField(many=True, required=False, help_text="Slugs of the roadmap steps it demonstrates.")
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
        read_only_fields = [
            "overview_html",
            "deployment_html",
            "published_at",
            "hidden",
            "hidden_reason",
            "position",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "title": {"help_text": "Required to publish."},
            "overview": {"help_text": "Problem and solution, in Markdown. Required to publish."},
            "visibility": {"help_text": "draft: only you; unlisted: anyone with the link; public: on your page."},
        }

    def get_html_url(self, project) -> str:
        return f"{settings.SITE_URL}{project.get_absolute_url()}"


class ProjectCreateSerializer(ProjectSerializer):
    class Meta(ProjectSerializer.Meta):
        extra_kwargs = {**ProjectSerializer.Meta.extra_kwargs, "title": {"help_text": "The project's name."}}

    def get_fields(self):
        fields = super().get_fields()
        fields["title"].required = True
        return fields


class PublishSerializer(serializers.Serializer):
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
    skills = StepSlugField(many=True, read_only=True)
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
