"""Portfolio projects written from the roadmap's showcase template, and reports about public pages.

Who may see what is decided here, in one place: `Project.objects.visible_to(viewer)`,
`Project.objects.published()` and `portfolio_page_visible_q()`. Views, the API, the sitemap, share
images and exports all go through them (see portfolio/selectors.py).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from roadmap.models import ProjectIdea, Step

# The showcase template's tech stack layers, plus "Other"; keys are stable, labels are shown.
TECH_CATEGORIES = [
    ("backend", "Backend"),
    ("ml", "ML/DL"),
    ("infrastructure", "Infrastructure"),
    ("monitoring", "Monitoring"),
    ("other", "Other"),
]
TECH_CATEGORY_LABELS = dict(TECH_CATEGORIES)

# Bounds on everything a learner can type, so that no field can grow without limit.
TITLE_MAX = 120
SLUG_MAX = 80
OVERVIEW_MAX = 10_000
DEPLOYMENT_MAX = 5_000
URL_MAX = 500
TAG_MAX = 40
TAGS_PER_CATEGORY_MAX = 15
FEATURES_MAX = 12
FEATURE_TEXT_MAX = 300
FEATURE_METRIC_MAX = 100
RESULTS_MAX = 12
RESULT_CELL_MAX = 80
HIDDEN_REASON_MAX = 300

# Project slugs that would collide with the pages under /u/<username>/.
RESERVED_PROJECT_SLUGS = frozenset(["report", "share", "readme", "edit", "new"])

http_url_validator = URLValidator(schemes=["http", "https"], message="Enter a full web address starting with https://")


def validate_tech_stack(value):
    """{category: [tag, ...]} with known categories and short, bounded, unique tags."""
    if not isinstance(value, dict):
        raise ValidationError("The tech stack must map categories to lists of tags.")
    for category, tags in value.items():
        if category not in TECH_CATEGORY_LABELS:
            raise ValidationError(f"Unknown tech stack category: {category!s:.40}.")
        label = TECH_CATEGORY_LABELS[category]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValidationError(f"{label}: tags must be a list of text.")
        if len(tags) > TAGS_PER_CATEGORY_MAX:
            raise ValidationError(f"{label}: at most {TAGS_PER_CATEGORY_MAX} tags.")
        for tag in tags:
            if not tag.strip():
                raise ValidationError(f"{label}: empty tag.")
            if len(tag) > TAG_MAX:
                raise ValidationError(f"{label}: each tag can have at most {TAG_MAX} characters.")


def validate_features(value):
    """[{"text": ..., "metric": ...}, ...]: at most FEATURES_MAX, each with a text."""
    if not isinstance(value, list):
        raise ValidationError("Key features must be a list.")
    if len(value) > FEATURES_MAX:
        raise ValidationError(f"At most {FEATURES_MAX} key features.")
    for item in value:
        if not isinstance(item, dict) or set(item) - {"text", "metric"}:
            raise ValidationError('Each key feature has a "text" and an optional "metric".')
        text, metric = item.get("text", ""), item.get("metric", "")
        if not isinstance(text, str) or not isinstance(metric, str) or not text.strip():
            raise ValidationError("Each key feature needs a description.")
        if len(text) > FEATURE_TEXT_MAX:
            raise ValidationError(f"A key feature can have at most {FEATURE_TEXT_MAX} characters.")
        if len(metric) > FEATURE_METRIC_MAX:
            raise ValidationError(f"A metric can have at most {FEATURE_METRIC_MAX} characters.")


def validate_results(value):
    """[{"metric": ..., "baseline": ..., "final": ...}, ...]: the optional results table."""
    if not isinstance(value, list):
        raise ValidationError("Results must be a list of rows.")
    if len(value) > RESULTS_MAX:
        raise ValidationError(f"At most {RESULTS_MAX} result rows.")
    for row in value:
        if not isinstance(row, dict) or set(row) - {"metric", "baseline", "final"}:
            raise ValidationError('Each result row has "metric", "baseline" and "final".')
        if not all(isinstance(row.get(k, ""), str) for k in ("metric", "baseline", "final")):
            raise ValidationError("Result cells must be text.")
        if not row.get("metric", "").strip():
            raise ValidationError("Each result row needs a metric name.")
        if any(len(row.get(k, "")) > RESULT_CELL_MAX for k in ("metric", "baseline", "final")):
            raise ValidationError(f"Result cells can have at most {RESULT_CELL_MAX} characters.")


def portfolio_page_visible_q(prefix: str = "") -> Q:
    """The condition under which a user's public page (and all under it) is visible to everyone."""
    return Q(
        **{
            f"{prefix}portfolio_public": True,
            f"{prefix}page_hidden": False,
            f"{prefix}is_active": True,
        }
    )


class ProjectQuerySet(models.QuerySet):
    def published(self):
        """Public, not hidden projects (whatever the owner's page switch says)."""
        return self.filter(visibility=Project.Visibility.PUBLIC, hidden=False)

    def listed(self):
        """Projects shown to everyone on public pages, lists and the sitemap: published, on a visible page."""
        return self.published().filter(portfolio_page_visible_q("owner__"))

    @staticmethod
    def _reachable_q() -> Q:
        return portfolio_page_visible_q("owner__") & Q(
            visibility__in=[Project.Visibility.PUBLIC, Project.Visibility.UNLISTED], hidden=False
        )

    def reachable(self):
        """Projects anyone may open by their link: public or unlisted, not hidden, on a visible page."""
        return self.filter(self._reachable_q())

    def visible_to(self, viewer):
        """Projects `viewer` may open: staff see all, owners see their own, others what is reachable."""
        if viewer is not None and viewer.is_authenticated and viewer.is_active:
            if viewer.is_staff:
                return self.all()
            return self.filter(Q(owner=viewer) | self._reachable_q())
        return self.reachable()


class Project(models.Model):
    class Visibility(models.TextChoices):
        DRAFT = "draft", "Draft (only me)"
        UNLISTED = "unlisted", "Unlisted (anyone with the link)"
        PUBLIC = "public", "Public (on my page)"

    Tier = ProjectIdea.Tier

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects")
    slug = models.SlugField(max_length=SLUG_MAX)
    title = models.CharField(max_length=TITLE_MAX)
    tier = models.CharField(max_length=20, choices=ProjectIdea.Tier.choices, default=ProjectIdea.Tier.BEGINNER)
    idea = models.ForeignKey(ProjectIdea, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects")

    # The showcase template, in its order.
    overview = models.TextField(
        blank=True,
        max_length=OVERVIEW_MAX,
        validators=[MaxLengthValidator(OVERVIEW_MAX)],
        help_text="Problem and solution, in Markdown.",
    )
    overview_html = models.TextField(blank=True, editable=False)
    tech_stack = models.JSONField(default=dict, blank=True, validators=[validate_tech_stack])
    features = models.JSONField(default=list, blank=True, validators=[validate_features])
    deployment = models.TextField(
        blank=True,
        max_length=DEPLOYMENT_MAX,
        validators=[MaxLengthValidator(DEPLOYMENT_MAX)],
        help_text="How it is deployed, in Markdown.",
    )
    deployment_html = models.TextField(blank=True, editable=False)
    live_demo_url = models.URLField("live demo URL", max_length=URL_MAX, blank=True, validators=[http_url_validator])
    repository_url = models.URLField(
        "code repository URL", max_length=URL_MAX, blank=True, validators=[http_url_validator]
    )

    skills = models.ManyToManyField(Step, related_name="portfolio_projects", blank=True)
    results = models.JSONField(default=list, blank=True, validators=[validate_results])
    started_on = models.DateField(null=True, blank=True)
    finished_on = models.DateField(null=True, blank=True)

    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Moderation: staff hide a project; the owner sees why.
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=HIDDEN_REASON_MAX, blank=True)

    position = models.PositiveIntegerField(default=0, help_text="Order on the owner's page, smallest first.")
    # A digest of what the share image shows: a new value means a new image at a new URL.
    share_image_version = models.CharField(max_length=16, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["owner", "position", "-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="project_unique_slug_per_owner"),
            models.CheckConstraint(
                condition=Q(visibility__in=["draft", "unlisted", "public"]), name="project_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility="draft") | (~Q(title="") & ~Q(overview="")),
                name="project_shared_needs_title_and_overview",
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(finished_on__isnull=True)
                | Q(finished_on__gte=models.F("started_on")),
                name="project_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["owner", "visibility", "hidden"], name="project_owner_visibility")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("portfolio:public_project", kwargs={"username": self.owner.username, "slug": self.slug})

    def clean(self):
        if self.started_on and self.finished_on and self.finished_on < self.started_on:
            raise ValidationError({"finished_on": "The finish date cannot be before the start date."})
        if self.visibility != self.Visibility.DRAFT:
            errors = {}
            if not self.title.strip():
                errors["title"] = "A project needs a title before it can be shared."
            if not self.overview.strip():
                errors["overview"] = "A project needs an overview before it can be shared."
            if errors:
                raise ValidationError(errors)

    @property
    def is_shared(self):
        return self.visibility != self.Visibility.DRAFT and not self.hidden

    @property
    def is_listed(self):
        return self.visibility == self.Visibility.PUBLIC and not self.hidden

    @property
    def key_metric(self) -> str:
        """The first feature metric, else the first result row, for cards and share images."""
        for feature in self.features:
            if feature.get("metric"):
                return feature["metric"]
        for row in self.results:
            if row.get("final"):
                return f"{row['metric']}: {row['final']}"
        return ""

    @property
    def tech_stack_display(self) -> list[tuple[str, list[str]]]:
        """[(label, tags)] in the template's order, skipping empty categories."""
        return [(label, self.tech_stack[key]) for key, label in TECH_CATEGORIES if self.tech_stack.get(key)]

    @property
    def all_tags(self) -> list[str]:
        return [tag for _label, tags in self.tech_stack_display for tag in tags]


class Report(models.Model):
    """Someone's report that a public page or project breaks the rules; staff act on it in the admin."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Harassment or hateful content"
        IMPERSONATION = "impersonation", "Impersonation or stolen work"
        ILLEGAL = "illegal", "Illegal or dangerous content"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Actioned (content hidden)"
        DISMISSED = "dismissed", "Dismissed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    message = models.TextField(max_length=2000, blank=True, validators=[MaxLengthValidator(2000)])
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports_made"
    )
    reporter_email = models.EmailField(blank=True)
    # A keyed hash of the reporter's IP address: enough to spot floods, not a stored address.
    ip_hash = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_status_recent")]

    def __str__(self):
        target = f"{self.user}/{self.project.slug}" if self.project_id else str(self.user)
        return f"{self.get_reason_display()}: {target}"
