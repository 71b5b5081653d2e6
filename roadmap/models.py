"""The roadmap's content (roadmaps, phases, steps, topics, tools, resources, project ideas), its
changelog, and each learner's progress through it.

Content objects carry stable slugs: the YAML loader matches on them, so renaming, reordering or moving
an object keeps its identity, and with it every learner's progress.
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst

from roadmap.link_fields import LinkChecked
from roadmap.markdown import highlight_code, render_markdown, render_markdown_inline


class RoadmapQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Roadmap(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    tagline = models.CharField(max_length=300, blank=True)
    version = models.CharField(max_length=20, default="1.0")
    last_updated = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    summary_html = models.TextField(blank=True, editable=False)
    # Secondary guide sections (formula, tiers, showcase template, career, tips, success metrics):
    # structured data that is read whole and never queried by its parts.
    guide = models.JSONField(default=dict, blank=True)
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoadmapQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.summary_html = render_markdown(self.summary)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("roadmap:detail", kwargs={"slug": self.slug})

    @property
    def credit(self) -> dict:
        """What a page's footer says of the roadmap it is built on: title, version, author, address."""
        credits = (self.guide or {}).get("credits") or {}
        return {
            "pk": self.pk,
            "title": self.title,
            "version": self.version,
            "author": credits.get("author", ""),
            "url": self.get_absolute_url(),
        }


class Phase(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="phases")
    slug = models.SlugField()
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=100)
    start_month = models.PositiveSmallIntegerField()
    end_month = models.PositiveSmallIntegerField()
    focus = models.JSONField(default=list, blank=True, help_text="Focus areas, as a JSON list of strings.")
    summary = models.TextField(blank=True)
    summary_html = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["roadmap", "order", "start_month"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "slug"], name="phase_unique_slug"),
            models.CheckConstraint(
                condition=Q(start_month__gte=1) & Q(end_month__lte=24) & Q(start_month__lte=models.F("end_month")),
                name="phase_months_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.title} (months {self.start_month}-{self.end_month})"

    def save(self, *args, **kwargs):
        self.summary_html = render_markdown(self.summary)
        super().save(*args, **kwargs)

    @property
    def months_label(self):
        return f"Months {self.start_month}-{self.end_month}"


class Step(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="steps")
    phase = models.ForeignKey(Phase, on_delete=models.RESTRICT, related_name="steps")
    number = models.PositiveSmallIntegerField(help_text="The step's number in the roadmap (1, 2, ...).")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    badge = models.CharField(max_length=60, blank=True)
    optional = models.BooleanField(default=False, help_text="Optional steps do not count towards progress.")
    why = models.TextField(blank=True)
    why_html = models.TextField(blank=True, editable=False)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    tools = models.ManyToManyField("Tool", through="StepTool", related_name="steps", blank=True)

    class Meta:
        ordering = ["roadmap", "number"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "slug"], name="step_unique_slug")]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def save(self, *args, **kwargs):
        self.why_html = render_markdown(self.why)
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("roadmap:step", kwargs={"slug": self.roadmap.slug, "step_slug": self.slug})


class Topic(models.Model):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="topics")
    slug = models.SlugField(help_text="Stable identity: learners' progress is attached to it.")
    order = models.PositiveSmallIntegerField(default=0)
    group = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True, editable=False)
    # The plan in hours (roadmap/plan.py) schedules topics by this estimate at each learner's pace.
    hours = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="Effort estimate in hours: reading, practice and a small exercise (see docs/content-format.md).",
    )

    class Meta:
        ordering = ["step", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "slug"], name="topic_unique_slug"),
            models.CheckConstraint(condition=Q(hours__gte=1) & Q(hours__lte=200), name="topic_hours_in_range"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)


class Question(models.Model):
    """One multiple-choice question of a step's self-check: one or more of its choices are correct.

    Learners never see which choices are correct before they submit; the server scores (practice app).
    """

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="questions")
    # The topic it tests, if one: a spaced review of that topic asks it again.
    topic = models.ForeignKey(
        Topic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        help_text="The topic it tests (optional).",
    )
    slug = models.SlugField(help_text="Stable identity: learners' answers are attached to it.")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(help_text="The question (Markdown: `code` for names of functions and classes).")
    text_html = models.TextField(blank=True, editable=False)
    explanation = models.TextField(help_text="One line on why the right answers are right, shown after submitting.")
    explanation_html = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["step", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["step", "slug"], name="question_unique_slug")]

    def __str__(self):
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    def save(self, *args, **kwargs):
        self.text_html = render_markdown_inline(self.text)
        self.explanation_html = render_markdown(self.explanation)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.step.get_absolute_url() + "#self-check"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300, help_text="Markdown inline code (`name`) is allowed.")
    text_html = models.TextField(blank=True, editable=False)
    correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        self.text_html = render_markdown_inline(self.text)
        super().save(*args, **kwargs)


class Tool(LinkChecked):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="tools")
    slug = models.SlugField()
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=100, blank=True)
    essential = models.BooleanField(default=False, help_text="Part of the essential tool stack.")
    url = models.URLField("URL", blank=True)
    description = models.TextField(blank=True)
    retired = models.BooleanField(default=False, help_text="Retired tools stay listed, marked as such.")

    class Meta:
        ordering = ["roadmap", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "slug"], name="tool_unique_slug")]

    def __str__(self):
        return self.name

    ROADMAP_PATH = "roadmap"

    @property
    def link_place(self) -> str:
        return f"tool: {self.category}" if self.category else "tool"


class StepTool(models.Model):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="step_tools")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="step_tools")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["step", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["step", "tool"], name="steptool_unique")]

    def __str__(self):
        return f"{self.step} uses {self.tool}"


class Resource(LinkChecked):
    class Kind(models.TextChoices):
        DOCS = "docs", "Documentation"
        COURSE = "course", "Course"
        VIDEO = "video", "Video"
        PLAYLIST = "playlist", "Playlist"
        BOOK = "book", "Book"
        ARTICLE = "article", "Article"
        TUTORIAL = "tutorial", "Tutorial"
        COMMUNITY = "community", "Community"

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="resources")
    slug = models.SlugField()
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    url = models.URLField("URL")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DOCS)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["step", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["step", "slug"], name="resource_unique_slug")]

    def __str__(self):
        return self.title

    ROADMAP_PATH = "step__roadmap"

    @property
    def link_place(self) -> str:
        return f"step {self.step.number}: {self.step.title}"


class CodeExample(models.Model):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="code_examples")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=30, default="python")
    code = models.TextField()
    code_html = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["step", "order", "id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.code_html = highlight_code(self.code, self.language)
        super().save(*args, **kwargs)


class ProjectIdea(models.Model):
    class Tier(models.TextChoices):
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="project_ideas")
    slug = models.SlugField()
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    tier = models.CharField(max_length=20, choices=Tier.choices)
    category = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True, editable=False)
    steps = models.ManyToManyField(Step, related_name="project_ideas", blank=True)

    class Meta:
        ordering = ["roadmap", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "slug"], name="idea_unique_slug")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)


class Release(models.Model):
    """A published version of a roadmap, with notes for learners."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=20)
    notes = models.TextField(blank=True)
    notes_html = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "version"], name="release_unique_version")]

    def __str__(self):
        return f"{self.roadmap} {self.version}"

    def save(self, *args, **kwargs):
        self.notes_html = render_markdown(self.notes)
        super().save(*args, **kwargs)


class RoadmapChange(models.Model):
    """One create, change or delete of roadmap content, by an editor or by the loader."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"
        RELEASED = "released", "Released"

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="changes")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who made it, kept even if the account is later deleted ("load_roadmap" for the loader).
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=30)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300)
    # [{"field": name, "old": short text, "new": short text}, ...]
    fields = models.JSONField(default=list, blank=True)
    url = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["roadmap", "-created_at"], name="change_roadmap_recent")]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_type} {self.object_repr}"

    # How each kind of object is named to readers of the changelog.
    OBJECT_LABELS = {
        "steptool": "step tool",
        "codeexample": "code example",
        "projectidea": "project idea",
    }

    @property
    def object_label(self):
        return self.OBJECT_LABELS.get(self.object_type, self.object_type)

    @property
    def field_names(self):
        return [f["field"] for f in self.fields]

    @property
    def field_changes(self) -> list[dict]:
        """The changed fields, each with the label readers know it by ("Order", not "order")."""
        try:
            model = apps.get_model("roadmap", self.object_type)
        except LookupError:
            model = None
        return [{**f, "label": _field_label(model, f["field"])} for f in self.fields]

    @property
    def public_author(self) -> str:
        """Who made the change, as the public changelog names them: an editor's display name, never
        their username or address."""
        if self.actor is not None and self.actor.display_name:
            return self.actor.display_name
        return "Roadmap editors"


def _field_label(model, name: str) -> str:
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):
        return capfirst(name.replace("_", " "))


class TopicProgress(models.Model):
    """A learner's state on one topic: one row per user and topic, created on first touch."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        LEARNING = "learning", "Learning"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_progress")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    note = models.TextField(blank=True, max_length=20000)
    note_html = models.TextField(blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "topic progress"
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="progress_one_per_user_topic")]
        indexes = [models.Index(fields=["user", "completed_at"], name="progress_user_completed")]

    def __str__(self):
        return f"{self.user} - {self.topic}: {self.status}"

    def save(self, *args, **kwargs):
        self.note_html = render_markdown(self.note)
        super().save(*args, **kwargs)
