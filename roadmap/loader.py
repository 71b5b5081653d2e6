"""Load a roadmap from its YAML content file, and export it back to the same shape.

Loading is idempotent: objects are matched by their stable slugs, only differences are written, and
each create, change or delete lands in the roadmap's changelog. Loading the export of a loaded file
changes nothing (see docs/content-format.md).
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from roadmap.content_rules import TOPIC_HOURS_DEFAULT, ContentError, validate
from roadmap.models import (
    Choice,
    CodeExample,
    Phase,
    ProjectIdea,
    Question,
    Resource,
    Roadmap,
    RoadmapChange,
    Step,
    StepTool,
    Tool,
    Topic,
)
from roadmap.services import describe_field_changes, record_change

CONTENT_DIR = Path(__file__).resolve().parent / "content"
DEFAULT_FILE = CONTENT_DIR / "ai-engineer.yaml"
LOADER_NAME = "load_roadmap"


@dataclass
class LoadResult:
    roadmap: Roadmap
    created: int = 0
    changed: int = 0
    deleted: int = 0
    changes: list = field(default_factory=list)

    @property
    def touched(self) -> int:
        return self.created + self.changed + self.deleted


def read_file(path) -> dict:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: no such file") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc
    validate(data)
    return data


# --- loading ----------------------------------------------------------------------------------


class _Sync:
    """Writes the differences between the content and the database, logging each one."""

    def __init__(self, result: LoadResult, actor, actor_name):
        self.result = result
        self.actor = actor
        self.actor_name = actor_name
        # A new roadmap is one changelog entry (see _log_import), not one "created" per object.
        self.importing = False
        self.created_by_model: Counter = Counter()

    def log(self, obj, action, fields=()):
        if action == RoadmapChange.Action.CREATED:
            self.created_by_model[type(obj)] += 1
            if self.importing:
                return
        change = record_change(
            roadmap=self.result.roadmap,
            obj=obj,
            action=action,
            fields=fields,
            actor=self.actor,
            actor_name=self.actor_name,
        )
        self.result.changes.append(change)

    def upsert(self, existing, model, lookup: dict, values: dict):
        """Create the object or update the fields that differ; return it."""
        if existing is None:
            obj = model(**lookup, **values)
            obj.save()
            self.result.created += 1
            self.log(obj, RoadmapChange.Action.CREATED)
            return obj
        old = {name: getattr(existing, name) for name in values}
        diff = describe_field_changes(old, values)
        if diff:
            for name, value in values.items():
                setattr(existing, name, value)
            existing.save()
            self.result.changed += 1
            self.log(existing, RoadmapChange.Action.CHANGED, diff)
        return existing

    def relink(self, obj, field_name, old: list[str], new: list[str]):
        """Log a changed list of links (an idea's steps, a step's tools); a first linking is not a change."""
        if old:
            self.result.changed += 1
            diff = [{"field": field_name, "old": ", ".join(old), "new": ", ".join(new)}]
            self.log(obj, RoadmapChange.Action.CHANGED, diff)

    def delete(self, obj):
        self.log(obj, RoadmapChange.Action.DELETED)
        obj.delete()
        self.result.deleted += 1


def _date(value):
    if isinstance(value, datetime.date) or value is None:
        return value
    return datetime.date.fromisoformat(str(value))


def _leftovers(existing: dict, items: list) -> list:
    """The objects of `existing` (by slug) that the content's `items` no longer name."""
    wanted = {item["slug"] for item in items}
    return [obj for slug, obj in existing.items() if slug not in wanted]


@transaction.atomic
def roadmap_load(*, data: dict, actor=None, actor_name: str = LOADER_NAME) -> LoadResult:
    """Create or update a roadmap and all its content from parsed content data.

    Side effects: writes only what differs; deletes objects the content no longer names (their
    progress rows go with them); records every create, change and delete as a RoadmapChange.
    Raises ContentError (and writes nothing) when the data is invalid.
    """
    validate(data)
    sync = _Sync(LoadResult(roadmap=None), actor, actor_name)
    roadmap = _sync_roadmap(sync, data)
    phases = _sync_phases(sync, roadmap, data.get("phases") or [])
    tools = _sync_tools(sync, roadmap, data.get("tools") or [])
    steps, topics = _sync_steps(sync, roadmap, data.get("steps") or [], phases=phases, tools=tools)
    ideas = _sync_project_ideas(sync, roadmap, data.get("project_ideas") or [], steps=steps)
    # Deletions, children first, so that nothing protected is still referenced.
    for existing, items in (
        (ideas, data.get("project_ideas") or []),
        (topics, [topic for step in data.get("steps") or [] for topic in step.get("topics") or []]),
        (steps, data.get("steps") or []),
        (tools, data.get("tools") or []),
        (phases, data.get("phases") or []),
    ):
        for obj in _leftovers(existing, items):
            sync.delete(obj)
    if sync.importing:
        _log_import(sync, roadmap)
    return sync.result


# What an import's changelog entry counts, in this order.
IMPORT_SUMMARY = [
    (Phase, "phase", "phases"),
    (Step, "step", "steps"),
    (Topic, "topic", "topics"),
    (Tool, "tool", "tools"),
    (Resource, "resource", "resources"),
    (CodeExample, "code example", "code examples"),
    (ProjectIdea, "project idea", "project ideas"),
    (Question, "self-check question", "self-check questions"),
]


def _log_import(sync, roadmap) -> None:
    """One changelog entry for a roadmap loaded for the first time: "AI Engineer Roadmap 2.0, imported
    with 4 phases, 11 steps, ...", instead of a "created" entry for each of its objects."""
    counts = [
        f"{n} {singular if n == 1 else plural}"
        for model, singular, plural in IMPORT_SUMMARY
        if (n := sync.created_by_model[model])
    ]
    what = ", ".join(counts[:-1]) + f" and {counts[-1]}" if len(counts) > 1 else "".join(counts)
    sync.importing = False
    change = record_change(
        roadmap=roadmap,
        obj=roadmap,
        action=RoadmapChange.Action.CREATED,
        actor=sync.actor,
        actor_name=sync.actor_name,
        object_repr=f"{roadmap.title} {roadmap.version}, imported" + (f" with {what}" if what else ""),
    )
    sync.result.changes.append(change)


def _sync_roadmap(sync, data) -> Roadmap:
    values = {
        "title": data["title"],
        "tagline": data.get("tagline") or "",
        "version": str(data.get("version") or "1.0"),
        "last_updated": _date(data.get("last_updated")),
        "summary": data.get("summary") or "",
        "guide": data.get("guide") or {},
    }
    roadmap = Roadmap.objects.filter(slug=data["slug"]).first()
    if roadmap is not None:
        sync.result.roadmap = roadmap
        return sync.upsert(roadmap, Roadmap, {}, values)
    # A new roadmap: everything in it is created, and the changelog says so once, at the end.
    roadmap = Roadmap(slug=data["slug"], **values)
    roadmap.save()
    sync.result.roadmap = roadmap
    sync.result.created += 1
    sync.importing = True
    return roadmap


def _sync_phases(sync, roadmap, items) -> dict:
    """Return every phase by slug: the content's, and those it no longer names (to delete last)."""
    phases = {p.slug: p for p in roadmap.phases.all()}
    for order, item in enumerate(items):
        phases[item["slug"]] = sync.upsert(
            phases.get(item["slug"]),
            Phase,
            {"roadmap": roadmap, "slug": item["slug"]},
            {
                "order": order,
                "title": item["title"],
                "start_month": item["start_month"],
                "end_month": item["end_month"],
                "focus": list(item.get("focus") or []),
                "summary": item.get("summary") or "",
            },
        )
    return phases


def _sync_tools(sync, roadmap, items) -> dict:
    """Return every tool by slug: the content's, and those it no longer names (to delete last)."""
    tools = {t.slug: t for t in roadmap.tools.all()}
    for order, item in enumerate(items):
        tools[item["slug"]] = sync.upsert(
            tools.get(item["slug"]),
            Tool,
            {"roadmap": roadmap, "slug": item["slug"]},
            {
                "order": order,
                "name": item["name"],
                "category": item.get("category") or "",
                "essential": bool(item.get("essential", False)),
                "url": item.get("url") or "",
                "description": item.get("description") or "",
                "retired": bool(item.get("retired", False)),
            },
        )
    return tools


def _sync_steps(sync, roadmap, items, *, phases, tools) -> tuple[dict, dict]:
    """Write the steps with their topics, resources, code examples and tools.

    Return every step and every topic by slug, including those the content no longer names.
    """
    steps = {s.slug: s for s in roadmap.steps.all()}
    # Topics are matched across the whole roadmap, so that moving one to another step keeps it.
    topics = {t.slug: t for t in Topic.objects.filter(step__roadmap=roadmap)}
    for item in items:
        step = sync.upsert(
            steps.get(item["slug"]),
            Step,
            {"roadmap": roadmap, "slug": item["slug"]},
            {
                "number": item["number"],
                "phase": phases[item["phase"]],
                "title": item["title"],
                "badge": item.get("badge") or "",
                "optional": bool(item.get("optional", False)),
                "why": item.get("why") or "",
                "body": item.get("body") or "",
            },
        )
        steps[step.slug] = step
        _sync_topics(sync, step, item.get("topics") or [], topics=topics)
        _sync_questions(sync, step, item.get("questions") or [], topics=topics)
        _sync_resources(sync, step, item.get("resources") or [])
        _sync_code_examples(sync, step, item.get("code_examples") or [])
        _sync_step_tools(sync, step, [tools[slug] for slug in item.get("tools") or []])
    return steps, topics


def _sync_topics(sync, step, items, *, topics: dict) -> None:
    """Write a step's topics, updating `topics` (the roadmap's, by slug) in place."""
    for order, item in enumerate(items):
        topics[item["slug"]] = sync.upsert(
            topics.get(item["slug"]),
            Topic,
            {"slug": item["slug"]},
            {
                "step": step,
                "order": order,
                "group": item.get("group") or "",
                "title": item["title"],
                "description": item.get("description") or "",
                "hours": item.get("hours", TOPIC_HOURS_DEFAULT),
            },
        )


def _sync_questions(sync, step, items, *, topics: dict) -> None:
    """Write a step's self-check questions and their choices (matched by position in the question)."""
    existing = {q.slug: q for q in step.questions.prefetch_related("choices")} if step.pk else {}
    for order, item in enumerate(items):
        question = sync.upsert(
            existing.get(item["slug"]),
            Question,
            {"step": step, "slug": item["slug"]},
            {
                "order": order,
                "text": item["text"],
                "explanation": item["explanation"],
                "topic": topics[item["topic"]] if item.get("topic") else None,
            },
        )
        choices = list(question.choices.all()) if item["slug"] in existing else []
        for position, choice in enumerate(item["choices"]):
            sync.upsert(
                choices[position] if position < len(choices) else None,
                Choice,
                {"question": question},
                {"order": position, "text": choice["text"], "correct": choice.get("correct") is True},
            )
        for choice in choices[len(item["choices"]) :]:
            sync.delete(choice)
        existing[item["slug"]] = question
    for question in _leftovers(existing, items):
        sync.delete(question)


def _sync_resources(sync, step, items):
    existing = {r.slug: r for r in step.resources.all()} if step.pk else {}
    for order, item in enumerate(items):
        existing[item["slug"]] = sync.upsert(
            existing.get(item["slug"]),
            Resource,
            {"step": step, "slug": item["slug"]},
            {
                "order": order,
                "title": item["title"],
                "url": item["url"],
                "kind": item.get("kind") or Resource.Kind.DOCS,
                "description": item.get("description") or "",
            },
        )
    for resource in _leftovers(existing, items):
        sync.delete(resource)


def _sync_code_examples(sync, step, items):
    # Code examples have no slug; they are matched by position.
    existing = list(step.code_examples.all())
    for order, item in enumerate(items):
        sync.upsert(
            existing[order] if order < len(existing) else None,
            CodeExample,
            {"step": step},
            {
                "order": order,
                "title": item.get("title") or "",
                "language": item.get("language") or "python",
                "code": item["code"],
            },
        )
    for example in existing[len(items) :]:
        sync.delete(example)


def _sync_step_tools(sync, step, wanted_tools):
    current = list(step.step_tools.select_related("tool"))
    if [st.tool_id for st in current] == [t.pk for t in wanted_tools]:
        return
    step.step_tools.all().delete()
    StepTool.objects.bulk_create(StepTool(step=step, tool=t, order=i) for i, t in enumerate(wanted_tools))
    sync.relink(step, "tools", [st.tool.slug for st in current], [t.slug for t in wanted_tools])


def _sync_project_ideas(sync, roadmap, items, *, steps) -> dict:
    """Return every project idea by slug: the content's, and those it no longer names (to delete)."""
    ideas = {i.slug: i for i in roadmap.project_ideas.prefetch_related("steps")}
    for order, item in enumerate(items):
        existed = item["slug"] in ideas
        idea = sync.upsert(
            ideas.get(item["slug"]),
            ProjectIdea,
            {"roadmap": roadmap, "slug": item["slug"]},
            {
                "order": order,
                "title": item["title"],
                "tier": item["tier"],
                "category": item.get("category") or "",
                "description": item.get("description") or "",
            },
        )
        wanted = [steps[slug] for slug in item.get("steps") or []]
        current = sorted(s.slug for s in idea.steps.all()) if existed else []
        if sorted(s.slug for s in wanted) != current:
            idea.steps.set(wanted)
            sync.relink(idea, "steps", current, [s.slug for s in wanted])
        ideas[item["slug"]] = idea
    return ideas
