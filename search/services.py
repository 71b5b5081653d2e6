"""Writes to the search index (search/models.py): one document per public thing, built from its
rows; on PostgreSQL each write also stores the document's full-text vector.

`index_objects()` is what the signals call for one saved object; `index_user()` covers a learner's
profile and projects (their visibility follows the learner's page switches); `reindex_all()`
rebuilds everything (after bulk writes, which send no signals, and on a new deployment).
"""

import html
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.utils.html import strip_tags

from portfolio.models import Project, portfolio_page_visible_q
from roadmap.models import ProjectIdea, Resource, Roadmap, Step, Tool, Topic
from search.models import Kind, ProfileDocument, ProjectDocument, SearchDocument

BODY_MAX = 4000
BATCH = 1000
# The vector: the title counts most, then where it sits, then the text (SearchRank weighs them).
VECTOR = (
    SearchVector("title", weight="A", config="english")
    + SearchVector("context", weight="B", config="english")
    + SearchVector("body", weight="C", config="english")
)
TEXT_FIELDS = ["title", "context", "body", "url"]


def _text(markup: str) -> str:
    """Plain text of sanitised HTML (the *_html fields), whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(markup or "")).split())[:BODY_MAX]


def _doc(kind, obj, **fields) -> SearchDocument:
    return SearchDocument(kind=kind, object_id=obj.pk, **fields)


def step_document(step: Step) -> SearchDocument:
    roadmap = step.roadmap
    return _doc(
        Kind.STEP,
        step,
        roadmap=roadmap,
        title=step.title,
        context=f"Step {step.number} · {step.phase.title}" + (" · optional" if step.optional else ""),
        body=_text(step.why_html + " " + step.body_html),
        url=step.get_absolute_url(),
    )


def topic_document(topic: Topic) -> SearchDocument:
    step = topic.step
    return _doc(
        Kind.TOPIC,
        topic,
        roadmap=step.roadmap,
        title=topic.title,
        context=f"{topic.group + ' · ' if topic.group else ''}Step {step.number}: {step.title}",
        body=_text(topic.description_html),
        url=f"{step.get_absolute_url()}#topic-{topic.slug}",
    )


def tool_document(tool: Tool) -> SearchDocument:
    context = " · ".join(part for part in [tool.category, "retired" if tool.retired else ""] if part)
    return _doc(
        Kind.TOOL,
        tool,
        roadmap=tool.roadmap,
        title=tool.name,
        context=context or "Tool",
        body=" ".join(tool.description.split())[:BODY_MAX],
        url=f"/roadmaps/{tool.roadmap.slug}/tools/#tool-{tool.slug}",
    )


def resource_document(resource: Resource) -> SearchDocument:
    step = resource.step
    return _doc(
        Kind.RESOURCE,
        resource,
        roadmap=step.roadmap,
        title=resource.title,
        context=f"{resource.get_kind_display()} · Step {step.number}: {step.title}",
        body=" ".join(resource.description.split())[:BODY_MAX],
        url=f"{step.get_absolute_url()}#resources-heading",
    )


def idea_document(idea: ProjectIdea) -> SearchDocument:
    return _doc(
        Kind.IDEA,
        idea,
        roadmap=idea.roadmap,
        title=idea.title,
        context=f"{idea.get_tier_display()} · {idea.category}",
        body=_text(idea.description_html),
        url=f"/roadmaps/{idea.roadmap.slug}/projects/#idea-{idea.slug}",
    )


def project_document(project: Project) -> ProjectDocument:
    owner = project.owner
    return ProjectDocument(
        project=project,
        title=project.title,
        context=f"{project.get_tier_display()} project by {owner.name}",
        body=(" ".join(project.all_tags) + " " + _text(project.overview_html))[:BODY_MAX],
        url=project.get_absolute_url(),
    )


def profile_document(user) -> ProfileDocument:
    return ProfileDocument(
        profile=user,
        title=user.name,
        context=" · ".join(part for part in [f"@{user.username}", user.headline, user.location] if part),
        body=_text(user.bio_html),
        url=user.get_absolute_url(),
    )


# --- writing ----------------------------------------------------------------------------------


# Each table's documents: the fields that name their thing, and those the index writes.
TABLES = {
    SearchDocument: (["kind", "object_id"], ["roadmap", *TEXT_FIELDS]),
    ProjectDocument: (["project"], TEXT_FIELDS),
    ProfileDocument: (["profile"], TEXT_FIELDS),
}


def _write(documents: list) -> None:
    """Insert or update the documents (by the thing they stand for), then store their vectors."""
    for model, (unique, fields) in TABLES.items():
        mine = [doc for doc in documents if type(doc) is model]
        for start in range(0, len(mine), BATCH):
            batch = model.objects.bulk_create(
                mine[start : start + BATCH], update_conflicts=True, unique_fields=unique, update_fields=fields
            )
            if connection.vendor == "postgresql":
                _store_vectors(model, batch)


def _store_vectors(model, batch) -> None:
    if model is SearchDocument:
        for kind in {doc.kind for doc in batch}:
            ids = [doc.object_id for doc in batch if doc.kind == kind]
            SearchDocument.objects.filter(kind=kind, object_id__in=ids).update(vector=VECTOR)
    else:
        name = TABLES[model][0][0]
        model.objects.filter(**{f"{name}_id__in": [getattr(doc, f"{name}_id") for doc in batch]}).update(vector=VECTOR)


def _remove(kind: str, ids: Iterable[int]) -> None:
    ids = list(ids)
    if kind == Kind.PROJECT:
        ProjectDocument.objects.filter(project_id__in=ids).delete()
    elif kind == Kind.PROFILE:
        ProfileDocument.objects.filter(profile_id__in=ids).delete()
    else:
        SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()


BUILDERS = {
    Step: (Kind.STEP, step_document),
    Topic: (Kind.TOPIC, topic_document),
    Tool: (Kind.TOOL, tool_document),
    Resource: (Kind.RESOURCE, resource_document),
    ProjectIdea: (Kind.IDEA, idea_document),
}


@transaction.atomic
def index_objects(model, objects: list) -> None:
    """(Re)index roadmap content objects of one model. Writes their documents."""
    _kind, build = BUILDERS[model]
    _write([build(obj) for obj in objects])


@transaction.atomic
def unindex_object(model, pk: int) -> None:
    """Remove the document of a deleted object."""
    kind = Kind.PROFILE if model is get_user_model() else Kind.PROJECT if model is Project else BUILDERS[model][0]
    _remove(kind, [pk])


def _roadmap_querysets(roadmaps):
    return {
        Step: Step.objects.filter(roadmap__in=roadmaps).select_related("roadmap", "phase"),
        Topic: Topic.objects.filter(step__roadmap__in=roadmaps).select_related("step__roadmap"),
        Tool: Tool.objects.filter(roadmap__in=roadmaps).select_related("roadmap"),
        Resource: Resource.objects.filter(step__roadmap__in=roadmaps).select_related("step__roadmap"),
        ProjectIdea: ProjectIdea.objects.filter(roadmap__in=roadmaps).select_related("roadmap"),
    }


@transaction.atomic
def index_roadmap(roadmap: Roadmap) -> None:
    """(Re)index every piece of a roadmap's content (its slug is in every URL). Writes documents."""
    documents = []
    for model, queryset in _roadmap_querysets([roadmap]).items():
        build = BUILDERS[model][1]
        documents += [build(obj) for obj in queryset]
    _write(documents)


@transaction.atomic
def index_step_children(step: Step) -> None:
    """A step's title and number show on its topics and resources. Writes their documents."""
    topics = Topic.objects.filter(step=step).select_related("step__roadmap")
    resources = Resource.objects.filter(step=step).select_related("step__roadmap")
    _write([topic_document(t) for t in topics] + [resource_document(r) for r in resources])


@transaction.atomic
def index_user(user) -> None:
    """A learner's profile and projects: a document for what is listed publicly, none for the rest
    (their page switches decide for all of them). Writes and deletes documents."""
    User = get_user_model()
    visible = User.objects.filter(portfolio_page_visible_q(), pk=user.pk).exists()
    listed = list(Project.objects.listed().filter(owner=user).select_related("owner")) if visible else []
    hidden = Project.objects.filter(owner=user).exclude(pk__in=[p.pk for p in listed])
    _remove(Kind.PROJECT, hidden.values_list("pk", flat=True))
    if not visible:
        _remove(Kind.PROFILE, [user.pk])
    _write(([profile_document(user)] if visible else []) + [project_document(p) for p in listed])


@transaction.atomic
def index_project(project: Project) -> None:
    """A project's document when it is listed (published, on a public page), else none."""
    listed = Project.objects.listed().filter(pk=project.pk).select_related("owner").first()
    if listed is None:
        _remove(Kind.PROJECT, [project.pk])
    else:
        _write([project_document(listed)])


@transaction.atomic
def reindex_all() -> int:
    """Rebuild the whole index from the rows: every published roadmap's content, every listed
    project and every public profile. Replaces every document; returns how many there are."""
    for model in TABLES:
        model.objects.all().delete()
    documents = []
    for model, queryset in _roadmap_querysets(Roadmap.objects.all()).items():
        build = BUILDERS[model][1]
        documents += [build(obj) for obj in queryset.iterator(chunk_size=BATCH)]
    User = get_user_model()
    people = User.objects.filter(portfolio_page_visible_q()).iterator(chunk_size=BATCH)
    documents += [profile_document(user) for user in people]
    projects = Project.objects.listed().select_related("owner").iterator(chunk_size=BATCH)
    documents += [project_document(p) for p in projects]
    _write(documents)
    return len(documents)
