"""The search index: one document per searchable thing, with its text and, on PostgreSQL, a stored
full-text vector (English stemming; title weighted above context above body) and a trigram index on
the title for typos.

Three tables, one per group of kinds a search reads apart: the roadmap's content (steps, topics,
tools, resources, project ideas: a few hundred rows), learners' public projects and their public
pages (any number). Apart, PostgreSQL keeps statistics for each, so that it plans a word found in
half the projects and in no profile right for both.

Documents are derived data, kept current by search/signals.py and rebuilt whole by
`manage.py search_reindex`. Only public things get a document; the query checks visibility again
against the live rows (search/selectors.py), so a document the index has not caught up with yet can
never show something private.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from portfolio.models import Project
from roadmap.models import Roadmap


class Kind(models.TextChoices):
    # In the order the results page shows them.
    STEP = "step", "Steps"
    TOPIC = "topic", "Topics"
    TOOL = "tool", "Tools"
    RESOURCE = "resource", "Resources"
    IDEA = "idea", "Project ideas"
    PROJECT = "project", "Portfolio projects"
    PROFILE = "profile", "People"


CONTENT_KINDS = [Kind.STEP, Kind.TOPIC, Kind.TOOL, Kind.RESOURCE, Kind.IDEA]


class Document(models.Model):
    title = models.CharField(max_length=300)
    # Where it sits: "Step 4 · Deep Learning", a tool's category, a project's author.
    context = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    # PostgreSQL only (search/services.py fills it); unused on SQLite.
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.title


def _indexes(prefix: str) -> list:
    # Built on PostgreSQL only (search/db.py).
    return [
        GinIndex(fields=["vector"], name=f"{prefix}_vector"),
        GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name=f"{prefix}_title"),
    ]


class SearchDocument(Document):
    """A piece of a roadmap's content."""

    Kind = Kind

    kind = models.CharField(max_length=10, choices=[(k.value, k.label) for k in CONTENT_KINDS])
    # The id of the thing in its own table.
    object_id = models.PositiveBigIntegerField()
    # Whether it may be shown is the roadmap's: published or not.
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_one_document_per_object")]
        indexes = _indexes("search_content")


class ProjectDocument(Document):
    """A learner's listed project (public, not hidden, on a public page)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = _indexes("search_project")


class ProfileDocument(Document):
    """A learner's public page."""

    profile = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = _indexes("search_profile")
