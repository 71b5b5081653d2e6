"""Load a roadmap from its YAML content file, and export it back to the same shape.

Loading is idempotent: objects are matched by their stable slugs, only differences are written, and
each create, change or delete lands in the roadmap's changelog. Loading the export of a loaded file
changes nothing (see docs/content-format.md).
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Prefetch

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
TOPIC_HOURS_DEFAULT = Topic._meta.get_field("hours").default
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")


class ContentError(ValueError):
    """The content file is not valid; the message says where and why."""


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


# --- validation -------------------------------------------------------------------------------


def _require(mapping, key, where, kind=str):
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise ContentError(f"{where}: '{key}' is required")
    value = mapping[key]
    if kind is not None and not isinstance(value, kind):
        raise ContentError(f"{where}: '{key}' must be {getattr(kind, '__name__', kind)}")
    return value


def _slug(mapping, where, seen):
    slug = _require(mapping, "slug", where)
    if not SLUG_RE.match(slug):
        raise ContentError(f"{where}: slug {slug!r} must be lowercase letters, digits and hyphens")
    if slug in seen:
        raise ContentError(f"{where}: slug {slug!r} is used twice")
    seen.add(slug)
    return slug


def validate(data) -> None:
    """Raise ContentError naming the first problem in the content, or return None."""
    if not isinstance(data, dict):
        raise ContentError("the file must hold a mapping at the top level")
    _slug(data, "roadmap", set())
    _require(data, "title", "roadmap")
    phase_slugs, tool_slugs, step_slugs, topic_slugs, idea_slugs = set(), set(), set(), set(), set()
    for i, phase in enumerate(data.get("phases") or [], 1):
        where = f"phases[{i}]"
        _slug(phase, where, phase_slugs)
        _require(phase, "title", where)
        start, end = _require(phase, "start_month", where, int), _require(phase, "end_month", where, int)
        if not 1 <= start <= end <= 24:
            raise ContentError(f"{where}: months must satisfy 1 <= start_month <= end_month <= 24")
    for i, tool in enumerate(data.get("tools") or [], 1):
        _slug(tool, f"tools[{i}]", tool_slugs)
        _require(tool, "name", f"tools[{i}]")
    for i, step in enumerate(data.get("steps") or [], 1):
        where = f"steps[{i}]"
        _slug(step, where, step_slugs)
        _require(step, "title", where)
        _require(step, "number", where, int)
        if _require(step, "phase", where) not in phase_slugs:
            raise ContentError(f"{where}: unknown phase {step['phase']!r}")
        for j, topic in enumerate(step.get("topics") or [], 1):
            _slug(topic, f"{where}.topics[{j}]", topic_slugs)
            _require(topic, "title", f"{where}.topics[{j}]")
            hours = topic.get("hours", TOPIC_HOURS_DEFAULT)
            if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 200:
                raise ContentError(f"{where}.topics[{j}]: hours must be a whole number from 1 to 200")
        resource_slugs = set()
        for j, resource in enumerate(step.get("resources") or [], 1):
            rw = f"{where}.resources[{j}]"
            _slug(resource, rw, resource_slugs)
            _require(resource, "title", rw)
            url = _require(resource, "url", rw)
            if not url.startswith(("http://", "https://")):
                raise ContentError(f"{rw}: url must start with http:// or https://")
            kind = resource.get("kind", Resource.Kind.DOCS)
            if kind not in Resource.Kind.values:
                raise ContentError(f"{rw}: kind {kind!r} is not one of {', '.join(Resource.Kind.values)}")
        for tool_slug in step.get("tools") or []:
            if tool_slug not in tool_slugs:
                raise ContentError(f"{where}: unknown tool {tool_slug!r}")
        for j, example in enumerate(step.get("code_examples") or [], 1):
            _require(example, "code", f"{where}.code_examples[{j}]")
    # Questions may test a topic of any step: topics keep their identity when they move.
    for i, step in enumerate(data.get("steps") or [], 1):
        _validate_questions(step.get("questions") or [], f"steps[{i}]", topic_slugs)
    for i, idea in enumerate(data.get("project_ideas") or [], 1):
        where = f"project_ideas[{i}]"
        _slug(idea, where, idea_slugs)
        _require(idea, "title", where)
        if _require(idea, "tier", where) not in ProjectIdea.Tier.values:
            raise ContentError(f"{where}: tier must be one of {', '.join(ProjectIdea.Tier.values)}")
        for step_slug in idea.get("steps") or []:
            if step_slug not in step_slugs:
                raise ContentError(f"{where}: unknown step {step_slug!r}")


def _validate_questions(questions, where, topic_slugs) -> None:
    if not isinstance(questions, list):
        raise ContentError(f"{where}: 'questions' must be a list")
    slugs = set()
    for j, question in enumerate(questions, 1):
        qw = f"{where}.questions[{j}]"
        _slug(question, qw, slugs)
        _require(question, "text", qw)
        _require(question, "explanation", qw)
        if question.get("topic") and question["topic"] not in topic_slugs:
            raise ContentError(f"{qw}: unknown topic {question['topic']!r}")
        choices = question.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            raise ContentError(f"{qw}: at least two choices are required")
        for k, choice in enumerate(choices, 1):
            _require(choice, "text", f"{qw}.choices[{k}]")
        if not any(choice.get("correct") is True for choice in choices):
            raise ContentError(f"{qw}: at least one choice must be marked correct: true")


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


# --- export -----------------------------------------------------------------------------------


def roadmap_export(roadmap: Roadmap) -> dict:
    """The roadmap's content as data in the content file's shape (see docs/content-format.md)."""
    steps = roadmap.steps.select_related("phase").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("order", "id")),
        Prefetch("resources", queryset=Resource.objects.order_by("order", "id")),
        Prefetch("code_examples", queryset=CodeExample.objects.order_by("order", "id")),
        Prefetch("step_tools", queryset=StepTool.objects.select_related("tool").order_by("order", "id")),
        Prefetch(
            "questions",
            queryset=Question.objects.select_related("topic")
            .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order", "id")))
            .order_by("order", "id"),
        ),
    )
    return {
        "slug": roadmap.slug,
        "title": roadmap.title,
        "tagline": roadmap.tagline,
        "version": roadmap.version,
        "last_updated": roadmap.last_updated,
        "summary": roadmap.summary,
        "guide": _in_file_order(roadmap.guide),
        "phases": [
            {
                "slug": p.slug,
                "title": p.title,
                "start_month": p.start_month,
                "end_month": p.end_month,
                "focus": list(p.focus),
                "summary": p.summary,
            }
            for p in roadmap.phases.order_by("order", "start_month")
        ],
        "tools": [
            {
                "slug": t.slug,
                "name": t.name,
                "category": t.category,
                "essential": t.essential,
                "url": t.url,
                "description": t.description,
                **({"retired": True} if t.retired else {}),
            }
            for t in roadmap.tools.order_by("order", "name")
        ],
        "steps": [
            {
                "number": s.number,
                "slug": s.slug,
                "title": s.title,
                "phase": s.phase.slug,
                "optional": s.optional,
                "badge": s.badge,
                "why": s.why,
                "body": s.body,
                "topics": [
                    {"slug": t.slug, "group": t.group, "title": t.title, "hours": t.hours, "description": t.description}
                    for t in s.topics.all()
                ],
                "tools": [st.tool.slug for st in s.step_tools.all()],
                "resources": [
                    {"slug": r.slug, "title": r.title, "url": r.url, "kind": r.kind, "description": r.description}
                    for r in s.resources.all()
                ],
                "code_examples": [
                    {"title": c.title, "language": c.language, "code": c.code} for c in s.code_examples.all()
                ],
                **({"questions": [_export_question(q) for q in s.questions.all()]} if s.questions.all() else {}),
            }
            for s in steps.order_by("number", "slug")
        ],
        "project_ideas": [
            {
                "slug": i.slug,
                "title": i.title,
                "tier": i.tier,
                "category": i.category,
                "description": i.description,
                "steps": [s.slug for s in sorted(i.steps.all(), key=lambda s: (s.number, s.slug))],
            }
            for i in roadmap.project_ideas.prefetch_related("steps").order_by("order", "id")
        ],
    }


def _export_question(question: Question) -> dict:
    return {
        "slug": question.slug,
        **({"topic": question.topic.slug} if question.topic else {}),
        "text": question.text,
        "choices": [{"text": c.text, **({"correct": True} if c.correct else {})} for c in question.choices.all()],
        "explanation": question.explanation,
    }


# The order in which the content file writes the keys of the guide's sections. PostgreSQL keeps a
# JSON object's keys in an order of its own (jsonb), so the export puts them back in this one.
GUIDE_KEY_ORDER = [
    # the guide's sections
    "formula",
    "responsibilities",
    "intro_video",
    "project_tiers",
    "showcase_template",
    "cloud_platforms",
    "career",
    "additional_resources",
    "pro_tips",
    "success_metrics",
    "credits",
    # inside sections
    "resume_sections",
    "job_search",
    "courses",
    "people",
    "communities",
    "slug",
    "name",
    "author",
    "role",
    "title",
    "focus",
    "services",
    "url",
    "kind",
    "duration",
    "min_months",
    "max_months",
    "items",
    "description",
    "note",
]


def _in_file_order(value):
    """`value` with the keys of every mapping in GUIDE_KEY_ORDER (others after them, alphabetically)."""
    if isinstance(value, dict):
        rank = {key: i for i, key in enumerate(GUIDE_KEY_ORDER)}
        keys = sorted(value, key=lambda k: (rank.get(k, len(rank)), k))
        return {key: _in_file_order(value[key]) for key in keys}
    if isinstance(value, list):
        return [_in_file_order(item) for item in value]
    return value


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper, value):
    # Multi-line text (Markdown, code) is written as a literal block, as a person would write it.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
