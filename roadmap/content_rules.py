"""The content file's rules (see docs/content-format.md): `validate` names the first problem."""

import re

from roadmap.models import ProjectIdea, Resource, Topic

TOPIC_HOURS_DEFAULT = Topic._meta.get_field("hours").default
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")


class ContentError(ValueError):
    """The content file is not valid; the message says where and why."""


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
