"""Reads of roadmap content and progress. Each returns in a fixed number of queries, whatever the
amount of content or progress."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from roadmap.models import (
    CodeExample,
    Phase,
    ProjectIdea,
    Resource,
    Roadmap,
    RoadmapChange,
    Step,
    StepTool,
    Topic,
    TopicProgress,
)

DONE_STATES = (TopicProgress.Status.DONE, TopicProgress.Status.SKIPPED)


def roadmap_get_published(slug: str) -> Roadmap:
    """The published roadmap with this slug, or 404."""
    return get_object_or_404(Roadmap.objects.published(), slug=slug)


def default_roadmap() -> Roadmap | None:
    return Roadmap.objects.published().filter(slug="ai-engineer").first() or Roadmap.objects.published().first()


def phases_with_steps(roadmap: Roadmap) -> list[Phase]:
    """Phases in order, each with `.step_list`: its steps in order, annotated with `topic_count`."""
    steps = Step.objects.annotate(topic_count=Count("topics")).order_by("number", "slug")
    phases = list(roadmap.phases.order_by("order", "start_month").prefetch_related(Prefetch("steps", queryset=steps)))
    for phase in phases:
        phase.step_list = list(phase.steps.all())
        for step in phase.step_list:
            step.roadmap = roadmap
    return phases


def steps_in_order(roadmap: Roadmap) -> list[Step]:
    """Every step in reading order: by phase, then by number."""
    steps = list(roadmap.steps.select_related("phase").order_by("phase__order", "phase__start_month", "number", "slug"))
    for step in steps:
        step.roadmap = roadmap
    return steps


def step_get(roadmap: Roadmap, step_slug: str) -> Step:
    """A step with everything its page shows, or 404."""
    step = get_object_or_404(
        roadmap.steps.select_related("phase").prefetch_related(
            Prefetch("topics", queryset=Topic.objects.order_by("order", "id")),
            Prefetch("resources", queryset=Resource.objects.order_by("order", "id")),
            Prefetch("code_examples", queryset=CodeExample.objects.order_by("order", "id")),
            Prefetch("step_tools", queryset=StepTool.objects.select_related("tool").order_by("order", "id")),
            Prefetch("project_ideas", queryset=ProjectIdea.objects.order_by("order", "id")),
        ),
        slug=step_slug,
    )
    step.roadmap = roadmap
    return step


def topic_groups(step: Step) -> list[tuple[str, list[Topic]]]:
    """The step's topics grouped under their headings, in order of first appearance."""
    groups: dict[str, list[Topic]] = {}
    for topic in step.topics.all():
        groups.setdefault(topic.group, []).append(topic)
    return list(groups.items())


def project_ideas_by_tier(roadmap: Roadmap) -> list[dict]:
    """[{"tier": slug, "title", "duration", "description", "categories": [(category, [ideas])]}]"""
    ideas = roadmap.project_ideas.order_by("order", "id").prefetch_related(
        Prefetch("steps", queryset=Step.objects.order_by("number"))
    )
    tiers = {t["slug"]: t for t in roadmap.guide.get("project_tiers", [])}
    result = []
    for value, label in ProjectIdea.Tier.choices:
        info = tiers.get(value, {})
        categories: dict[str, list[ProjectIdea]] = {}
        for idea in ideas:
            if idea.tier == value:
                for s in idea.steps.all():
                    s.roadmap = roadmap
                categories.setdefault(idea.category, []).append(idea)
        result.append(
            {
                "tier": value,
                "title": info.get("title", label),
                "duration": info.get("duration", ""),
                "description": info.get("description", ""),
                "categories": list(categories.items()),
            }
        )
    return result


def tools_by_category(roadmap: Roadmap, *, essential_only=False) -> list[tuple[str, list]]:
    tools = roadmap.tools.order_by("order", "name")
    if essential_only:
        tools = tools.filter(essential=True)
    categories: dict[str, list] = {}
    for tool in tools:
        categories.setdefault(tool.category or "Other", []).append(tool)
    return list(categories.items())


def changes_for(roadmap: Roadmap):
    """The roadmap's changelog, newest first."""
    return roadmap.changes.select_related("actor").order_by("-created_at", "-id")


def changes_since(roadmap: Roadmap, since):
    return changes_for(roadmap).filter(created_at__gt=since) if since else changes_for(roadmap)


# --- progress ---------------------------------------------------------------------------------


@dataclass
class Counts:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def remaining(self) -> int:
        return self.total - self.done


@dataclass
class RoadmapProgress:
    """A learner's progress through one roadmap.

    `status` maps topic id -> state (topics never touched are absent: "not started"). `steps` and
    `phases` map ids to Counts of finished (done + skipped) over all topics; `overall` counts only
    required topics (optional steps are shown but not required).
    """

    status: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)
    phases: dict = field(default_factory=dict)
    overall: Counts = field(default_factory=Counts)
    # Topic ids in roadmap order: (topic_id, step_id, phase_id, optional)
    order: list = field(default_factory=list)

    def step(self, step_id) -> Counts:
        return self.steps.get(step_id, Counts())

    def phase(self, phase_id) -> Counts:
        return self.phases.get(phase_id, Counts())

    def state_of(self, topic_id) -> str:
        return self.status.get(topic_id, TopicProgress.Status.NOT_STARTED)


def _topics_in_order(roadmap: Roadmap):
    return list(
        Topic.objects.filter(step__roadmap=roadmap)
        .order_by("step__phase__order", "step__phase__start_month", "step__number", "step__slug", "order", "id")
        .values_list("id", "step_id", "step__phase_id", "step__optional")
    )


def progress_for(user, roadmap: Roadmap) -> RoadmapProgress:
    """The learner's progress through the roadmap, in two queries. Anonymous users have none."""
    order = _topics_in_order(roadmap)
    status = {}
    if user is not None and user.is_authenticated:
        status = dict(
            TopicProgress.objects.filter(user=user, topic__step__roadmap=roadmap)
            .exclude(status=TopicProgress.Status.NOT_STARTED)
            .values_list("topic_id", "status")
        )
    progress = RoadmapProgress(status=status, order=order)
    for topic_id, step_id, phase_id, optional in order:
        finished = status.get(topic_id) in DONE_STATES
        step_counts = progress.steps.setdefault(step_id, Counts())
        step_counts.total += 1
        step_counts.done += finished
        if not optional:
            phase_counts = progress.phases.setdefault(phase_id, Counts())
            phase_counts.total += 1
            phase_counts.done += finished
            progress.overall.total += 1
            progress.overall.done += finished
    return progress


def next_topics(user, roadmap: Roadmap, limit: int = 5, progress: RoadmapProgress | None = None) -> list[Topic]:
    """The next `limit` required topics in roadmap order that are neither done nor skipped."""
    progress = progress or progress_for(user, roadmap)
    ids = [
        topic_id
        for topic_id, _step, _phase, optional in progress.order
        if not optional and progress.status.get(topic_id) not in DONE_STATES
    ][:limit]
    topics = Topic.objects.select_related("step").in_bulk(ids)
    result = [topics[i] for i in ids if i in topics]
    for topic in result:
        topic.step.roadmap = roadmap
    return result


def recent_changes(roadmap: Roadmap, limit: int = 5) -> list[RoadmapChange]:
    return list(changes_for(roadmap)[:limit])
