"""Export a roadmap to its content file's shape (see docs/content-format.md): loading the export of
a loaded file changes nothing (roadmap.loader)."""

import yaml
from django.db.models import Prefetch

from roadmap.models import Choice, CodeExample, Question, Resource, Roadmap, StepTool, Topic


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
