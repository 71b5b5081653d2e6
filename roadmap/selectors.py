"""Reads of roadmap content and progress. Each returns in a fixed number of queries, whatever the
amount of content or progress."""

from dataclasses import dataclass, field

from django.db.models import Count, F, FilteredRelation, Prefetch, Q, TextField, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from config.cache import ROADMAP_SCOPE, cached_value
from roadmap.link_fields import LinkState
from roadmap.models import (
    CodeExample,
    Phase,
    ProjectIdea,
    Question,
    Release,
    Resource,
    Roadmap,
    RoadmapChange,
    Step,
    StepTool,
    Tool,
    Topic,
    TopicProgress,
)

# Topics with nothing left to learn: done, or skipped by choice. Only "done" counts as finished
# (progress, activity, success metrics); a skipped topic is left out of the learner's counts.
DONE_STATES = (TopicProgress.Status.DONE, TopicProgress.Status.SKIPPED)


def roadmap_get_published(slug: str) -> Roadmap:
    """The published roadmap with this slug, or 404."""
    return get_object_or_404(Roadmap.objects.published(), slug=slug)


def default_roadmap() -> Roadmap | None:
    """The roadmap the site is about: "ai-engineer" when published, else the first published one."""
    return Roadmap.objects.published().filter(slug="ai-engineer").first() or Roadmap.objects.published().first()


def _summary() -> dict | None:
    roadmap = default_roadmap()
    return None if roadmap is None else roadmap.credit


def site_roadmap_summary() -> dict | None:
    """The site's roadmap (default_roadmap) as every page's footer shows it (Roadmap.credit), kept in
    the cache with the roadmap's version: a page's chrome then costs no query and no read of the
    guide (a large JSON document)."""
    return cached_value([ROADMAP_SCOPE], "site-roadmap", _summary)


def phases_with_steps(roadmap: Roadmap) -> list[Phase]:
    """Phases in order, each with `.step_list`: its steps in order, annotated with `topic_count`."""
    steps = Step.objects.annotate(topic_count=Count("topics")).order_by("number", "slug")
    phases = list(roadmap.phases.order_by("order", "start_month").prefetch_related(Prefetch("steps", queryset=steps)))
    for phase in phases:
        phase.step_list = list(phase.steps.all())
        for step in phase.step_list:
            step.roadmap = roadmap
    return phases


def question_counts(roadmap: Roadmap) -> dict[int, int]:
    """{step_id: number of self-check questions} of the roadmap's steps that have some. One query."""
    rows = Question.objects.filter(step__roadmap=roadmap).values("step_id").annotate(count=Count("id")).order_by()
    return {row["step_id"]: row["count"] for row in rows}


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


def with_releases(changes) -> list[RoadmapChange]:
    """The changes as a list, each with `.release`: the Release a "released" entry names (one query)."""
    changes = list(changes)
    released = RoadmapChange.Action.RELEASED
    ids = [c.object_id for c in changes if c.action == released]
    releases = {str(r.pk): r for r in Release.objects.filter(pk__in=ids)} if ids else {}
    for change in changes:
        change.release = releases.get(change.object_id) if change.action == released else None
    return changes


def changes_since(roadmap: Roadmap, since):
    return changes_for(roadmap).filter(created_at__gt=since) if since else changes_for(roadmap)


# --- progress ---------------------------------------------------------------------------------


@dataclass
class Counts:
    """Topics done over the topics the learner has not skipped (`total`); `skipped` says how many
    were left out. Skipped is never finished: it only takes a topic out of the learner's count."""

    done: int = 0
    total: int = 0
    skipped: int = 0

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
    `phases` map ids to Counts of done topics over the topics not skipped; `overall` counts only
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


# Topics in reading order: by phase, then step number, then the topic's place in its step.
TOPIC_ROADMAP_ORDER = ("step__phase__order", "step__phase__start_month", "step__number", "step__slug", "order", "id")


def topics_in_order(roadmap: Roadmap) -> list[tuple]:
    """The roadmap's topics in reading order, as (topic_id, step_id, phase_id, optional). Read on
    every progress update and dashboard: kept in the cache until the roadmap's content changes (one
    round trip to the cache, or one query)."""
    return cached_value(
        [ROADMAP_SCOPE],
        f"topics-in-order:{roadmap.pk}",
        lambda: list(
            Topic.objects.filter(step__roadmap=roadmap)
            .order_by(*TOPIC_ROADMAP_ORDER)
            .values_list("id", "step_id", "step__phase_id", "step__optional")
        ),
    )


def progress_from(order: list[tuple], status: dict) -> RoadmapProgress:
    """The progress counts of a learner whose topic states are `status` ({topic_id: state}), over the
    topics of `order` (from topics_in_order). No query: the one calculation behind progress_for and
    progress_for_users."""
    progress = RoadmapProgress(status=status, order=order)
    for topic_id, step_id, phase_id, optional in order:
        state = status.get(topic_id)
        done, skipped = state == TopicProgress.Status.DONE, state == TopicProgress.Status.SKIPPED
        counted = [progress.steps.setdefault(step_id, Counts())]
        if not optional:
            counted += [progress.phases.setdefault(phase_id, Counts()), progress.overall]
        for counts in counted:
            counts.total += not skipped
            counts.skipped += skipped
            counts.done += done
    return progress


def started_topics(user) -> list[tuple[int, str]]:
    """(topic id, state) of every topic the learner has started, in any roadmap: one query, with no
    join (a learner has a few hundred rows at most)."""
    rows = TopicProgress.objects.filter(user=user).exclude(status=TopicProgress.Status.NOT_STARTED)
    return list(rows.values_list("topic_id", "status"))


def progress_for(user, roadmap: Roadmap) -> RoadmapProgress:
    """The learner's progress through the roadmap: two queries (the topic order, the learner's
    states); anonymous users have none."""
    order = topics_in_order(roadmap)
    status = {}
    if user is not None and user.is_authenticated:
        ids = {row[0] for row in order}
        status = {topic_id: state for topic_id, state in started_topics(user) if topic_id in ids}
    return progress_from(order, status)


def progress_for_users(user_ids, roadmap: Roadmap, *, order: list[tuple] | None = None) -> dict:
    """{user_id: RoadmapProgress} for many learners at once (the monthly email's batches): one query
    for all their topic states, plus one for the topic order when `order` is not given."""
    order = topics_in_order(roadmap) if order is None else order
    statuses: dict = {user_id: {} for user_id in user_ids}
    rows = (
        TopicProgress.objects.filter(user_id__in=list(statuses), topic__step__roadmap=roadmap)
        .exclude(status=TopicProgress.Status.NOT_STARTED)
        .values_list("user_id", "topic_id", "status")
    )
    for user_id, topic_id, state in rows:
        statuses[user_id][topic_id] = state
    return {user_id: progress_from(order, status) for user_id, status in statuses.items()}


def next_topic_ids(progress: RoadmapProgress, limit: int = 5) -> list[int]:
    """Ids of the next `limit` required topics in roadmap order that are neither done nor skipped."""
    return [
        topic_id
        for topic_id, _step, _phase, optional in progress.order
        if not optional and progress.status.get(topic_id) not in DONE_STATES
    ][:limit]


def next_topics(
    user, roadmap: Roadmap, limit: int = 5, progress: RoadmapProgress | None = None, topics: dict | None = None
) -> list[Topic]:
    """The next `limit` required topics in roadmap order that are neither done nor skipped, with their
    steps. `topics` ({id: Topic with its step}, e.g. from topics_by_id) saves the query."""
    progress = progress or progress_for(user, roadmap)
    ids = next_topic_ids(progress, limit)
    if topics is None:
        topics = topics_by_id(roadmap, ids)
    result = [topics[i] for i in ids if i in topics]
    for topic in result:
        topic.step.roadmap = roadmap
    return result


def topics_by_id(roadmap: Roadmap, ids=None) -> dict:
    """{topic_id: Topic} with its step, of the roadmap's topics or of those among `ids`. One query."""
    topics = Topic.objects.filter(step__roadmap=roadmap).select_related("step")
    if ids is not None:
        topics = topics.filter(pk__in=ids)
    return {topic.pk: topic for topic in topics}


def notes_for_step(user, step: Step) -> dict:
    """The learner's notes on a step's topics: {topic_id: TopicProgress} for topics with a note. One
    query; empty for anonymous users."""
    if user is None or not user.is_authenticated:
        return {}
    rows = TopicProgress.objects.filter(user=user, topic__step=step).exclude(note="")
    return {row.topic_id: row for row in rows.only("id", "topic_id", "note", "note_html", "status")}


def topic_get_published(slug: str, step_slug: str, topic_slug: str) -> Topic:
    """A topic of a published roadmap, by slugs, with its step, phase and roadmap; or 404. One query."""
    return get_object_or_404(
        Topic.objects.select_related("step__phase", "step__roadmap"),
        step__roadmap__published=True,
        step__roadmap__slug=slug,
        step__slug=step_slug,
        slug=topic_slug,
    )


def step_get_published(slug: str, step_slug: str) -> Step:
    """A step of a published roadmap, by slugs, with its phase and roadmap; or 404. One query."""
    return get_object_or_404(
        Step.objects.select_related("phase", "roadmap"), roadmap__published=True, roadmap__slug=slug, slug=step_slug
    )


def topic_get(roadmap: Roadmap, step_slug: str, topic_slug: str) -> Topic:
    """A topic of a published roadmap's step, by slugs, or 404."""
    topic = get_object_or_404(
        Topic.objects.select_related("step__phase"), step__roadmap=roadmap, step__slug=step_slug, slug=topic_slug
    )
    topic.step.roadmap = roadmap
    return topic


def topics_with_state(user, roadmap: Roadmap | None = None):
    """Topics of published roadmaps (or of one), in roadmap order, each annotated with the user's
    state on it (`my_state`, "not_started" when never touched), note and timestamps. One query."""
    topics = Topic.objects.filter(step__roadmap__published=True)
    if roadmap is not None:
        topics = topics.filter(step__roadmap=roadmap)
    return (
        topics.select_related("step__roadmap")
        .annotate(mine=FilteredRelation("progress", condition=Q(progress__user=user)))
        .annotate(
            my_state=Coalesce(F("mine__status"), Value(TopicProgress.Status.NOT_STARTED.value)),
            my_note=Coalesce(F("mine__note"), Value(""), output_field=TextField()),
            my_note_html=Coalesce(F("mine__note_html"), Value(""), output_field=TextField()),
            my_started_at=F("mine__started_at"),
            my_completed_at=F("mine__completed_at"),
            my_updated_at=F("mine__updated_at"),
        )
        .order_by(*TOPIC_ROADMAP_ORDER)
    )


def link_check_summary(roadmap: Roadmap, *, since) -> dict:
    """{"total", "fresh", "broken"}: the roadmap's links (resources, and tools with an address), how
    many were verified since `since`, and how many are broken now (two queries)."""
    current = Q(checked_url=F("url"))
    summary = {"total": 0, "fresh": 0, "broken": 0}
    for rows in (Resource.objects.filter(step__roadmap=roadmap), Tool.objects.with_address().filter(roadmap=roadmap)):
        counts = rows.aggregate(
            total=Count("id"),
            fresh=Count("id", filter=Q(verified_at__gte=since)),
            broken=Count("id", filter=current & Q(link_state=LinkState.BROKEN)),
        )
        summary = {key: summary[key] + counts[key] for key in summary}
    return summary
