"""API: a step's self-check (questions without answers; a submission scored on the server), my
best scores, and my spaced reviews. The same selectors and services as the HTML pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from practice import selectors, services
from practice.serializers import (
    AnswersSerializer,
    CheckResultSerializer,
    CheckSerializer,
    ReviewResultSerializer,
    ReviewsSerializer,
    ReviewWriteSerializer,
    StepCheckSummarySerializer,
)
from roadmap import selectors as roadmap_selectors
from roadmap.api import ROADMAP_SLUG, TOPIC_ID

STEP_SLUG = OpenApiParameter("step_slug", str, OpenApiParameter.PATH, description='The step\'s slug, e.g. "python".')
REVIEWS_SHOWN = 50


def _best(check):
    if check is None:
        return None
    return {"correct": check.correct, "total": check.total, "percent": check.percent, "passed": check.passed}


def _score_data(result) -> dict:
    return {
        "correct": result.correct,
        "total": result.total,
        "percent": result.percent,
        "passed": result.passed,
        "results": result.results,
    }


class ReadAnyoneWriteLearner(permissions.BasePermission):
    """Anyone may read the check; only a signed-in learner may submit it."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_authenticated)


@extend_schema(tags=["practice"], parameters=[ROADMAP_SLUG, STEP_SLUG])
class StepCheck(generics.GenericAPIView):
    permission_classes = [ReadAnyoneWriteLearner]
    serializer_class = CheckSerializer
    http_method_names = ["get", "post", "head", "options"]

    def _step(self):
        return roadmap_selectors.step_get_published(self.kwargs["slug"], self.kwargs["step_slug"])

    @extend_schema(summary="A step's self-check: its questions, without their answers")
    def get(self, request, slug, step_slug):
        step = self._step()
        best = selectors.best_check(request.user, step) if request.user.is_authenticated else None
        data = {
            "step": step.slug,
            "title": step.title,
            "questions": selectors.questions_for(step=step),
            "best": _best(best),
        }
        return Response(CheckSerializer(data).data)

    @extend_schema(
        summary="Submit my answers to a step's self-check",
        description="Scored on the server: a question is right when exactly its right choices are picked; "
        "80% right passes. The attempt is kept; the best one counts. The result holds every explanation.",
        request=AnswersSerializer,
        responses={201: CheckResultSerializer},
    )
    def post(self, request, slug, step_slug):
        step = self._step()
        write = AnswersSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        try:
            attempt, result = services.check_submit(user=request.user, step=step, answers=write.as_dict())
        except DjangoValidationError as exc:
            raise ValidationError({"answers": exc.messages}) from None
        data = {**_score_data(result), "attempt": attempt.pk, "submitted_at": attempt.created_at}
        return Response(CheckResultSerializer(data).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["practice"],
    summary="My best self-check score on each step of the roadmap",
    parameters=[OpenApiParameter("roadmap", str, description='A roadmap\'s slug (default "ai-engineer").')],
)
class MyChecks(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = StepCheckSummarySerializer
    pagination_class = None
    http_method_names = ["get", "head", "options"]

    @extend_schema(responses=StepCheckSummarySerializer(many=True))
    def get(self, request):
        slug = request.query_params.get("roadmap")
        roadmap = roadmap_selectors.roadmap_get_published(slug) if slug else roadmap_selectors.default_roadmap()
        if roadmap is None:
            return Response([])
        best = selectors.best_checks(request.user, roadmap)
        counts = roadmap_selectors.question_counts(roadmap)
        rows = [
            {"step": step.slug, "title": step.title, "questions": counts[step.pk], "best": _best(best.get(step.pk))}
            for step in roadmap_selectors.steps_in_order(roadmap)
            if counts.get(step.pk)
        ]
        return Response(StepCheckSummarySerializer(rows, many=True).data)


@extend_schema(tags=["practice"])
class MyReviews(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ReviewsSerializer
    http_method_names = ["get", "head", "options"]

    @extend_schema(summary="My topics due for review today (in my time zone), and the days ahead")
    def get(self, request):
        user = request.user
        today = user.today()
        due = selectors.due_reviews(user, today=today)
        rows = []
        for row in due[:REVIEWS_SHOWN]:
            questions = selectors.questions_for(topic=row.topic)
            rows.append(
                {
                    "topic": row.topic,
                    "due_on": row.due_on,
                    "kind": "questions" if questions else "self_rating",
                    "questions": questions,
                }
            )
        upcoming = [
            {"date": day, "topics": len(topics)} for day, topics in selectors.review_calendar(user, today=today)
        ]
        data = {"today": today, "due_count": len(due), "due": rows, "upcoming": upcoming[:30]}
        return Response(ReviewsSerializer(data).data)


@extend_schema(tags=["practice"], parameters=[TOPIC_ID])
class ReviewTopic(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ReviewResultSerializer
    http_method_names = ["post", "options"]

    @extend_schema(
        summary="Review one of my done topics",
        description="Answer the topic's questions (answers), or, for a topic without questions, rate it "
        "(remembered). A remembered review lengthens the wait before the next one, a forgotten one shortens it.",
        request=ReviewWriteSerializer,
        responses={200: ReviewResultSerializer},
    )
    def post(self, request, topic_id):
        progress = selectors.done_progress_get(request.user, topic_id)
        write = ReviewWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        answers = write.validated_data.get("answers")
        try:
            log, result = services.review_record(
                user=request.user,
                progress=progress,
                remembered=write.validated_data.get("remembered"),
                answers={a["question"]: a["choices"] for a in answers} if answers is not None else None,
            )
        except DjangoValidationError as exc:
            raise ValidationError({"non_field_errors": exc.messages}) from None
        data = {
            "topic": progress.topic,
            "remembered": log.remembered,
            "correct": log.correct,
            "total": log.total,
            "interval_days": log.interval_days,
            "next_due_on": log.next_due_on,
            "results": result.results if result else [],
        }
        return Response(ReviewResultSerializer(data).data)


urlpatterns = [
    path("roadmaps/<slug:slug>/steps/<slug:step_slug>/check/", StepCheck.as_view(), name="step-check"),
    path("me/checks/", MyChecks.as_view(), name="my-checks"),
    path("me/reviews/", MyReviews.as_view(), name="my-reviews"),
    path("me/reviews/<int:topic_id>/", ReviewTopic.as_view(), name="review-topic"),
]
