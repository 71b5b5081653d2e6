"""JSON shapes of the roadmap's content, its changelog and a learner's progress."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import StrictSerializer
from roadmap.link_fields import LinkState
from roadmap.models import (
    CodeExample,
    Phase,
    ProjectIdea,
    Release,
    Resource,
    Roadmap,
    RoadmapChange,
    Step,
    Tool,
    Topic,
    TopicProgress,
)
from roadmap.plan import PLAN_STATES

STATE_CHOICES = TopicProgress.Status.choices
# At most this many topics per bulk request: the whole roadmap fits, with room to spare.
BULK_MAX = 500
# Ids are 32-bit on every database we run on.
ID_MAX = 2**31 - 1
NOTE_MAX = TopicProgress._meta.get_field("note").max_length


# --- content -----------------------------------------------------------------------------------


class LinkCheckFields(serializers.Serializer):
    # The weekly link check (roadmap.link_services): "unchecked" until the address it has now is checked.
    link_state = serializers.ChoiceField(choices=LinkState.choices, source="current_link_state", read_only=True)
    checked_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When the link was last checked.")
    verified_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When it last answered.")


class ToolSerializer(LinkCheckFields, serializers.ModelSerializer):
    class Meta:
        model = Tool
        fields = [
            "slug",
            "name",
            "category",
            "essential",
            "url",
            "description",
            "retired",
            "link_state",
            "checked_at",
            "verified_at",
        ]


class ResourceSerializer(LinkCheckFields, serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["slug", "title", "url", "kind", "description", "link_state", "checked_at", "verified_at"]


class CodeExampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CodeExample
        fields = ["title", "language", "code"]


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "slug", "group", "title", "description", "description_html"]


class StepSummarySerializer(serializers.ModelSerializer):
    """A step in a list: what it is, not everything in it."""

    phase = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = ["number", "slug", "title", "badge", "optional", "phase", "html_url"]

    def get_html_url(self, step) -> str:
        return f"{settings.SITE_URL}{step.get_absolute_url()}"


class StepSerializer(StepSummarySerializer):
    """A step with its topics, resources and tools."""

    topics = TopicSerializer(many=True, read_only=True)
    resources = ResourceSerializer(many=True, read_only=True)
    tools = serializers.SerializerMethodField()

    class Meta(StepSummarySerializer.Meta):
        fields = [*StepSummarySerializer.Meta.fields, "why", "why_html", "topics", "resources", "tools"]

    @extend_schema_field(ToolSerializer(many=True))
    def get_tools(self, step):
        return ToolSerializer([st.tool for st in step.step_tools.all()], many=True).data


class StepDetailSerializer(StepSerializer):
    """One step with everything its page shows."""

    code_examples = CodeExampleSerializer(many=True, read_only=True)
    project_ideas = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta(StepSerializer.Meta):
        fields = [*StepSerializer.Meta.fields, "body", "body_html", "code_examples", "project_ideas"]


class PhaseSerializer(serializers.ModelSerializer):
    focus = serializers.ListField(child=serializers.CharField(), read_only=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Phase
        fields = ["slug", "order", "title", "start_month", "end_month", "focus", "summary", "summary_html", "steps"]


class RoadmapSerializer(serializers.ModelSerializer):
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Roadmap
        fields = ["slug", "title", "tagline", "version", "last_updated", "summary", "summary_html", "html_url"]

    def get_html_url(self, roadmap) -> str:
        return f"{settings.SITE_URL}{roadmap.get_absolute_url()}"


class RoadmapDetailSerializer(RoadmapSerializer):
    """A roadmap with its phases, their steps, and each step's topics, resources and tools."""

    phases = PhaseSerializer(many=True, read_only=True)

    class Meta(RoadmapSerializer.Meta):
        fields = [*RoadmapSerializer.Meta.fields, "phases"]


class ProjectIdeaSerializer(serializers.ModelSerializer):
    steps = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="The steps whose skills the project practises."
    )

    class Meta:
        model = ProjectIdea
        fields = ["slug", "title", "tier", "category", "description", "description_html", "steps"]


class ChangedFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)


class ChangeSerializer(serializers.ModelSerializer):
    fields = ChangedFieldSerializer(many=True, read_only=True)
    # As the public changelog and feed name them: a display name, never a username.
    author = serializers.CharField(source="public_author", read_only=True)
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = RoadmapChange
        fields = ["id", "created_at", "action", "object_type", "object_repr", "fields", "author", "html_url"]

    def get_html_url(self, change) -> str | None:
        return f"{settings.SITE_URL}{change.url}" if change.url else None


class ReleaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Release
        fields = ["version", "notes", "notes_html", "published_at"]


# --- query parameters --------------------------------------------------------------------------


class StepFilterSerializer(serializers.Serializer):
    phase = serializers.SlugField(required=False, help_text="Only the steps of this phase (its slug).")
    optional = serializers.BooleanField(required=False, help_text="Only optional (true) or required (false) steps.")


class ToolFilterSerializer(serializers.Serializer):
    category = serializers.CharField(
        required=False, max_length=100, allow_blank=True, trim_whitespace=False, help_text="Exact category name."
    )
    essential = serializers.BooleanField(required=False, help_text="Only the essential stack (true) or the rest.")


class ProjectIdeaFilterSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=ProjectIdea.Tier.choices, required=False)
    step = serializers.SlugField(required=False, help_text="Only ideas that practise this step (its slug).")


class ChangeFilterSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=RoadmapChange.Action.choices, required=False)
    since = serializers.DateTimeField(required=False, help_text="Only changes made after this moment.")


# --- progress ----------------------------------------------------------------------------------


class TopicRefSerializer(serializers.ModelSerializer):
    step = serializers.CharField(source="step.slug", read_only=True)
    roadmap = serializers.CharField(source="step.roadmap.slug", read_only=True)

    class Meta:
        model = Topic
        fields = ["id", "slug", "title", "group", "step", "roadmap"]


class TopicStateSerializer(serializers.Serializer):
    """A learner's state on one topic: a Topic annotated by roadmap.selectors.topics_with_state()."""

    topic = TopicRefSerializer(source="*", read_only=True)
    state = serializers.ChoiceField(
        choices=STATE_CHOICES, source="my_state", read_only=True, help_text='"not_started" for a topic never touched.'
    )
    note = serializers.CharField(source="my_note", read_only=True, allow_blank=True)
    note_html = serializers.CharField(source="my_note_html", read_only=True, allow_blank=True)
    started_at = serializers.DateTimeField(source="my_started_at", read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(source="my_completed_at", read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(source="my_updated_at", read_only=True, allow_null=True)


class ProgressFilterSerializer(serializers.Serializer):
    roadmap = serializers.SlugField(required=False, help_text='The roadmap (default "ai-engineer").')
    state = serializers.ChoiceField(choices=STATE_CHOICES, required=False)
    step = serializers.SlugField(required=False, help_text="Only the topics of this step (its slug).")
    phase = serializers.SlugField(required=False, help_text="Only the topics of this phase (its slug).")


class RoadmapParamSerializer(serializers.Serializer):
    roadmap = serializers.SlugField(required=False, help_text='The roadmap (default "ai-engineer").')


class TopicStateWriteSerializer(StrictSerializer):
    state = serializers.ChoiceField(choices=STATE_CHOICES)


class CountsSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Topics done (a skipped topic is never done).")
    total = serializers.IntegerField(help_text="Topics not skipped: the percentage is done over these.")
    percent = serializers.IntegerField()
    skipped = serializers.IntegerField(default=0, help_text="Topics skipped, left out of the total.")


class StepProgressSerializer(CountsSerializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    optional = serializers.BooleanField()


class PhaseProgressSerializer(CountsSerializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    steps = StepProgressSerializer(many=True)


class PlanSerializer(serializers.Serializer):
    """Where the 12-month plan says the learner should be, against where they are (as on the dashboard)."""

    state = serializers.ChoiceField(choices=[(s, s) for s in PLAN_STATES])
    start_date = serializers.DateField()
    plan_end = serializers.DateField(allow_null=True)
    plan_month = serializers.IntegerField(help_text="1-based month of the plan today (0 before the start).")
    expected_phase = serializers.CharField(
        source="expected_phase.slug", allow_null=True, help_text="The phase the plan puts you in today."
    )
    actual_phase = serializers.CharField(
        source="actual_phase.slug", allow_null=True, help_text="The phase your progress puts you in."
    )
    expected_percent = serializers.IntegerField()
    actual_percent = serializers.IntegerField()
    weeks_delta = serializers.IntegerField(help_text="Positive: weeks ahead of the plan; negative: behind.")
    projected_finish = serializers.DateField(
        allow_null=True, help_text="The remaining hours at your weekly pace, from today (or your start)."
    )
    summary = serializers.CharField()
    hours_per_week = serializers.IntegerField(help_text="Your weekly pace, from your settings.")
    total_hours = serializers.IntegerField(help_text="Hours of your plan: required topics not skipped.")
    done_hours = serializers.IntegerField()
    expected_hours = serializers.IntegerField(help_text="Hours the plan expects done by today at your pace.")
    finish_month = serializers.IntegerField(allow_null=True, help_text="The plan month of the projected finish.")
    pace_summary = serializers.CharField(help_text='For example "At 10 h/week you finish in month 12 (November 2027)".')


class ProgressSummarySerializer(serializers.Serializer):
    roadmap = serializers.CharField()
    plan = PlanSerializer()
    overall = CountsSerializer(help_text="Required topics only (optional steps do not count).")
    phases = PhaseProgressSerializer(many=True)
    next_topics = TopicRefSerializer(many=True, help_text="The next required topics not yet done or skipped.")


class BulkItemSerializer(StrictSerializer):
    topic = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text="The topic's id.")
    state = serializers.ChoiceField(choices=STATE_CHOICES)


class BulkStateSerializer(StrictSerializer):
    items = serializers.ListField(
        child=BulkItemSerializer(),
        min_length=1,
        max_length=BULK_MAX,
        help_text="Applied in order: when a topic appears twice, the last state wins.",
    )


class BulkResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many topics were set.")
    results = TopicStateSerializer(many=True)


class StepRefSerializer(StrictSerializer):
    roadmap = serializers.SlugField(required=False, help_text='The roadmap\'s slug (default "ai-engineer").')
    step = serializers.SlugField(help_text="The step's slug.")


class StepChangeResultSerializer(serializers.Serializer):
    step = serializers.CharField()
    changed = serializers.IntegerField(help_text="How many of the step's topics changed state.")
    done = serializers.IntegerField(help_text="Topics of the step now done or skipped.")
    total = serializers.IntegerField()


class NoteSerializer(StrictSerializer):
    note = serializers.CharField(
        allow_blank=True,
        max_length=NOTE_MAX,
        trim_whitespace=False,
        help_text="Private Markdown note; empty deletes it.",
    )
