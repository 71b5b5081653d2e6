"""The search index: one document per searchable thing (a step, topic, tool, resource or project idea
of a roadmap; a public project; a public profile), with its text and, on PostgreSQL, a stored
full-text vector (English stemming; title weighted above context above body) and a trigram index on
the title for typos.

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


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        # In the order the results page shows them.
        STEP = "step", "Steps"
        TOPIC = "topic", "Topics"
        TOOL = "tool", "Tools"
        RESOURCE = "resource", "Resources"
        IDEA = "idea", "Project ideas"
        PROJECT = "project", "Portfolio projects"
        PROFILE = "profile", "People"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The id of the thing in its own table.
    object_id = models.PositiveBigIntegerField()
    # The roadmap of roadmap content, the project of a project, the learner of a profile: the rows
    # whose live state decides whether the document may be shown.
    roadmap = models.ForeignKey(Roadmap, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    profile = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=300)
    # Where it sits: "Step 4 · Deep Learning", a tool's category, a project's author.
    context = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    # PostgreSQL only (search/services.py fills it); unused on SQLite.
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_one_document_per_object")]
        indexes = [
            GinIndex(fields=["vector"], name="search_vector_gin"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="search_title_trigram"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"
