"""API: the public roadmap content (read-only) and the signed-in learner's progress through it.

Reads go through roadmap.selectors and writes through roadmap.services, as for the HTML pages.
"""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.exceptions import ValidationError
from rest_framework.fields import BooleanField
from rest_framework.response import Response

from config.api import NotFound
from roadmap import selectors, services
from roadmap.models import Phase, Resource, Roadmap, Step, StepTool, Topic
from roadmap.plan import plan_status
from roadmap.serializers import (
    ID_MAX,
    BulkResultSerializer,
    BulkStateSerializer,
    ChangeFilterSerializer,
    ChangeSerializer,
    NoteSerializer,
    ProgressFilterSerializer,
    ProgressSummarySerializer,
    ProjectIdeaFilterSerializer,
    ProjectIdeaSerializer,
    ReleaseSerializer,
    RoadmapDetailSerializer,
    RoadmapParamSerializer,
    RoadmapSerializer,
    StepChangeResultSerializer,
    StepDetailSerializer,
    StepFilterSerializer,
    StepRefSerializer,
    StepSummarySerializer,
    ToolFilterSerializer,
    ToolSerializer,
    TopicStateSerializer,
    TopicStateWriteSerializer,
)

ROADMAP_SLUG = OpenApiParameter(
    "slug", str, OpenApiParameter.PATH, description='The roadmap\'s slug, e.g. "ai-engineer".'
)


TOPIC_ID = OpenApiParameter(
    "topic_id",
    {"type": "integer", "minimum": 1, "maximum": ID_MAX},
    OpenApiParameter.PATH,
    description="The topic's id.",
)


def query_filters(request, serializer_class) -> dict:
    """The validated query parameters (400 in the error shape when one is invalid)."""
    # A plain dict: with a QueryDict, DRF would read a missing boolean as False.
    data = request.query_params.dict()
    serializer = serializer_class(data=data)
    # Booleans as the schema spells them; DRF would also take "1", "yes" or "on".
    errors = {
        name: ['Use "true" or "false".']
        for name, field in serializer.fields.items()
        if isinstance(field, BooleanField) and name in data and data[name] not in ("true", "false")
    }
    if errors:
        raise ValidationError(errors)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PublicReadOnly:
    """Anyone may read; nothing here can be written."""

    permission_classes = [permissions.AllowAny]
    http_method_names = ["get", "head", "options"]


class RoadmapScoped(PublicReadOnly):
    """Views under /roadmaps/<slug>/: the published roadmap, or 404."""

    def get_roadmap(self) -> Roadmap:
        if not hasattr(self, "_roadmap"):
            self._roadmap = selectors.roadmap_get_published(self.kwargs["slug"])
        return self._roadmap


# --- public content ----------------------------------------------------------------------------


@extend_schema(tags=["roadmaps"], summary="List published roadmaps")
class RoadmapList(PublicReadOnly, generics.ListAPIView):
    serializer_class = RoadmapSerializer
    queryset = Roadmap.objects.published().order_by("title", "id")


@extend_schema(
    tags=["roadmaps"],
    summary="A roadmap with its phases, steps, topics, resources and tools",
    parameters=[ROADMAP_SLUG],
)
class RoadmapDetail(PublicReadOnly, generics.RetrieveAPIView):
    serializer_class = RoadmapDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        steps = Step.objects.select_related("phase", "roadmap").prefetch_related(
            Prefetch("topics", queryset=Topic.objects.order_by("order", "id")),
            Prefetch("resources", queryset=Resource.objects.order_by("order", "id")),
            Prefetch("step_tools", queryset=StepTool.objects.select_related("tool").order_by("order", "id")),
        )
        phases = Phase.objects.order_by("order", "start_month").prefetch_related(
            Prefetch("steps", queryset=steps.order_by("number", "slug"))
        )
        return Roadmap.objects.published().prefetch_related(Prefetch("phases", queryset=phases))


@extend_schema(
    tags=["roadmaps"], summary="A roadmap's steps, in order", parameters=[ROADMAP_SLUG, StepFilterSerializer]
)
class StepList(RoadmapScoped, generics.ListAPIView):
    serializer_class = StepSummarySerializer

    def get_queryset(self):
        filters = query_filters(self.request, StepFilterSerializer)
        steps = self.get_roadmap().steps.select_related("phase", "roadmap")
        if "phase" in filters:
            steps = steps.filter(phase__slug=filters["phase"])
        if "optional" in filters:
            steps = steps.filter(optional=filters["optional"])
        return steps.order_by("phase__order", "phase__start_month", "number", "slug")


@extend_schema(
    tags=["roadmaps"],
    summary="One step with its topics, resources, tools and code examples",
    parameters=[ROADMAP_SLUG, OpenApiParameter("step_slug", str, OpenApiParameter.PATH)],
)
class StepDetail(RoadmapScoped, generics.RetrieveAPIView):
    serializer_class = StepDetailSerializer

    def get_object(self):
        return selectors.step_get(self.get_roadmap(), self.kwargs["step_slug"])


@extend_schema(tags=["roadmaps"], summary="A roadmap's tools", parameters=[ROADMAP_SLUG, ToolFilterSerializer])
class ToolList(RoadmapScoped, generics.ListAPIView):
    serializer_class = ToolSerializer

    def get_queryset(self):
        filters = query_filters(self.request, ToolFilterSerializer)
        tools = self.get_roadmap().tools.order_by("order", "name", "id")
        if "category" in filters:
            tools = tools.filter(category=filters["category"])
        if "essential" in filters:
            tools = tools.filter(essential=filters["essential"])
        return tools


@extend_schema(
    tags=["roadmaps"], summary="Project ideas, by tier", parameters=[ROADMAP_SLUG, ProjectIdeaFilterSerializer]
)
class ProjectIdeaList(RoadmapScoped, generics.ListAPIView):
    serializer_class = ProjectIdeaSerializer

    def get_queryset(self):
        filters = query_filters(self.request, ProjectIdeaFilterSerializer)
        ideas = self.get_roadmap().project_ideas.prefetch_related(
            Prefetch("steps", queryset=Step.objects.order_by("number"))
        )
        if "tier" in filters:
            ideas = ideas.filter(tier=filters["tier"])
        if "step" in filters:
            ideas = ideas.filter(steps__slug=filters["step"])
        return ideas.order_by("order", "id")


@extend_schema(
    tags=["changes"],
    summary="What changed in a roadmap, newest first",
    parameters=[ROADMAP_SLUG, ChangeFilterSerializer],
)
class ChangeList(RoadmapScoped, generics.ListAPIView):
    serializer_class = ChangeSerializer

    def get_queryset(self):
        filters = query_filters(self.request, ChangeFilterSerializer)
        changes = selectors.changes_since(self.get_roadmap(), filters.get("since"))
        if "action" in filters:
            changes = changes.filter(action=filters["action"])
        return changes


@extend_schema(tags=["changes"], summary="A roadmap's releases, newest first", parameters=[ROADMAP_SLUG])
class ReleaseList(RoadmapScoped, generics.ListAPIView):
    serializer_class = ReleaseSerializer

    def get_queryset(self):
        return self.get_roadmap().releases.order_by("-published_at", "-id")


# --- the learner's progress --------------------------------------------------------------------


def _roadmap_or_default(slug: str | None) -> Roadmap:
    if slug:
        return selectors.roadmap_get_published(slug)
    roadmap = selectors.default_roadmap()
    if roadmap is None:
        raise Http404("No roadmap is published yet.")
    return roadmap


def _topic_for(user, topic_id) -> Topic:
    """A topic of a published roadmap, annotated with the user's state on it, or 404."""
    try:
        if not 1 <= topic_id <= ID_MAX:
            raise Topic.DoesNotExist
        return selectors.topics_with_state(user).get(pk=topic_id)
    except Topic.DoesNotExist:
        raise Http404("No such topic.") from None


class LearnerOnly:
    permission_classes = [permissions.IsAuthenticated]


@extend_schema(
    tags=["me: progress"],
    summary="My state on every topic of a roadmap",
    description="Every topic of the roadmap in order, with my state on it: topics never touched are "
    '"not_started". Filter by state, step or phase.',
    parameters=[ProgressFilterSerializer],
)
class ProgressList(LearnerOnly, generics.ListAPIView):
    serializer_class = TopicStateSerializer

    def get_queryset(self):
        filters = query_filters(self.request, ProgressFilterSerializer)
        topics = selectors.topics_with_state(self.request.user, _roadmap_or_default(filters.get("roadmap")))
        if "state" in filters:
            topics = topics.filter(my_state=filters["state"])
        if "step" in filters:
            topics = topics.filter(step__slug=filters["step"])
        if "phase" in filters:
            topics = topics.filter(step__phase__slug=filters["phase"])
        return topics


@extend_schema(
    tags=["me: progress"],
    summary="My progress through a roadmap: per phase and step, and what to learn next",
    parameters=[RoadmapParamSerializer],
    responses=ProgressSummarySerializer,
)
class ProgressSummary(LearnerOnly, generics.GenericAPIView):
    serializer_class = ProgressSummarySerializer

    def get(self, request):
        roadmap = _roadmap_or_default(query_filters(request, RoadmapParamSerializer).get("roadmap"))
        progress = selectors.progress_for(request.user, roadmap)
        phases = selectors.phases_with_steps(roadmap)

        def counts(c):
            return {"done": c.done, "total": c.total, "percent": c.percent, "skipped": c.skipped}

        data = {
            "roadmap": roadmap.slug,
            "plan": plan_status(request.user, roadmap, progress=progress),
            "overall": counts(progress.overall),
            "phases": [
                {
                    "slug": phase.slug,
                    "title": phase.title,
                    **counts(progress.phase(phase.pk)),
                    "steps": [
                        {"slug": s.slug, "title": s.title, "optional": s.optional, **counts(progress.step(s.pk))}
                        for s in phase.step_list
                    ],
                }
                for phase in phases
            ],
            "next_topics": selectors.next_topics(request.user, roadmap, progress=progress),
        }
        for topic in data["next_topics"]:
            topic.step.roadmap = roadmap
        return Response(ProgressSummarySerializer(data).data)


@extend_schema(tags=["me: progress"], parameters=[TOPIC_ID])
class TopicState(LearnerOnly, generics.GenericAPIView):
    serializer_class = TopicStateSerializer
    http_method_names = ["get", "put", "head", "options"]

    def get_object(self):
        return _topic_for(self.request.user, self.kwargs["topic_id"])

    @extend_schema(summary="My state on one topic")
    def get(self, request, topic_id):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(summary="Set my state on one topic", request=TopicStateWriteSerializer)
    def put(self, request, topic_id):
        topic = self.get_object()
        write = TopicStateWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        try:
            services.mark_topic(user=request.user, topic=topic, status=write.validated_data["state"])
        except Topic.DoesNotExist:
            raise NotFound("No such topic.") from None
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema(tags=["me: progress"], parameters=[TOPIC_ID])
class TopicNote(LearnerOnly, generics.GenericAPIView):
    serializer_class = TopicStateSerializer
    http_method_names = ["put", "options"]

    @extend_schema(summary="Write my private note on a topic (empty deletes it)", request=NoteSerializer)
    def put(self, request, topic_id):
        topic = _topic_for(request.user, topic_id)
        write = NoteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        services.topic_note_set(user=request.user, topic=topic, note=write.validated_data["note"])
        return Response(self.get_serializer(_topic_for(request.user, topic_id)).data)


@extend_schema(
    tags=["me: progress"],
    summary="My notes, in roadmap order",
    description="The topics, of every published roadmap, on which I wrote a note.",
)
class NoteList(LearnerOnly, generics.ListAPIView):
    serializer_class = TopicStateSerializer

    def get_queryset(self):
        return selectors.topics_with_state(self.request.user).exclude(my_note="")


@extend_schema(
    tags=["me: progress"],
    summary="Set my state on many topics at once",
    description="All or nothing: if one item is invalid (or names an unknown topic), nothing changes.",
    request=BulkStateSerializer,
    responses=BulkResultSerializer,
)
class ProgressBulk(LearnerOnly, generics.GenericAPIView):
    serializer_class = BulkResultSerializer
    http_method_names = ["post", "options"]

    def post(self, request):
        write = BulkStateSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        items = write.validated_data["items"]
        topics = selectors.topics_with_state(request.user).in_bulk({item["topic"] for item in items})
        unknown = [index for index, item in enumerate(items) if item["topic"] not in topics]
        if unknown:
            raise NotFound(
                "No such topic: " + ", ".join(str(items[index]["topic"]) for index in unknown) + ".",
                fields={f"items.{index}.topic": ["No such topic."] for index in unknown},
            )
        services.mark_topics(user=request.user, changes=[(topics[item["topic"]], item["state"]) for item in items])
        results = list(selectors.topics_with_state(request.user).filter(pk__in=topics))
        return Response(BulkResultSerializer({"updated": len(results), "results": results}).data)


class _StepAction(LearnerOnly, generics.GenericAPIView):
    serializer_class = StepChangeResultSerializer
    http_method_names = ["post", "options"]

    def change(self, *, user, step) -> int:
        raise NotImplementedError

    def post(self, request):
        write = StepRefSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        roadmap = _roadmap_or_default(write.validated_data.get("roadmap"))
        step = get_object_or_404(roadmap.steps, slug=write.validated_data["step"])
        changed = self.change(user=request.user, step=step)
        counts = selectors.progress_for(request.user, roadmap).step(step.pk)
        result = {"step": step.slug, "changed": changed, "done": counts.done, "total": counts.total}
        return Response(StepChangeResultSerializer(result).data)


@extend_schema(
    tags=["me: progress"],
    summary="Reset a step: every topic back to not started (notes are kept)",
    request=StepRefSerializer,
)
class StepReset(_StepAction):
    def change(self, *, user, step):
        return services.step_reset(user=user, step=step)


@extend_schema(
    tags=["me: progress"],
    summary="Mark a whole step done (skipped topics stay skipped)",
    request=StepRefSerializer,
)
class StepDone(_StepAction):
    def change(self, *, user, step):
        return services.step_mark_done(user=user, step=step)


urlpatterns = [
    path("roadmaps/", RoadmapList.as_view(), name="roadmap-list"),
    path("roadmaps/<slug:slug>/", RoadmapDetail.as_view(), name="roadmap-detail"),
    path("roadmaps/<slug:slug>/steps/", StepList.as_view(), name="step-list"),
    path("roadmaps/<slug:slug>/steps/<slug:step_slug>/", StepDetail.as_view(), name="step-detail"),
    path("roadmaps/<slug:slug>/tools/", ToolList.as_view(), name="tool-list"),
    path("roadmaps/<slug:slug>/project-ideas/", ProjectIdeaList.as_view(), name="project-idea-list"),
    path("roadmaps/<slug:slug>/changes/", ChangeList.as_view(), name="change-list"),
    path("roadmaps/<slug:slug>/releases/", ReleaseList.as_view(), name="release-list"),
    path("me/progress/", ProgressList.as_view(), name="progress-list"),
    path("me/progress/summary/", ProgressSummary.as_view(), name="progress-summary"),
    path("me/progress/bulk/", ProgressBulk.as_view(), name="progress-bulk"),
    path("me/progress/reset/", StepReset.as_view(), name="progress-step-reset"),
    path("me/progress/complete/", StepDone.as_view(), name="progress-step-done"),
    path("me/progress/<int:topic_id>/", TopicState.as_view(), name="topic-state"),
    path("me/progress/<int:topic_id>/note/", TopicNote.as_view(), name="topic-note"),
    path("me/notes/", NoteList.as_view(), name="note-list"),
]
