"""Reads of a learner's practice: a step's questions (never with their answers marked for a page
before submission: templates and serializers show `correct` only on results), best self-check
scores, reviews due and the review calendar. Each returns in a fixed number of queries."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from practice import schedule
from practice.models import CalendarFeed, CheckAttempt, ReviewCard, ReviewLog
from roadmap.hooks import StepCheck
from roadmap.models import Choice, Question, Resource, Roadmap, Step, TopicProgress

DONE = TopicProgress.Status.DONE


def questions_for(*, step: Step | None = None, topic=None) -> list[Question]:
    """The questions of a step's self-check (or those testing one topic), in order, with their
    choices. Two queries."""
    questions = Question.objects.select_related("topic").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))
    )
    if step is not None:
        questions = questions.filter(step=step)
    if topic is not None:
        questions = questions.filter(topic=topic)
    return list(questions.order_by("order", "id"))


def best_checks(user, roadmap: Roadmap) -> dict[int, StepCheck]:
    """{step_id: StepCheck} of the learner's best attempt on each step of the roadmap: passed first,
    then the highest share right. One query (a learner has a handful of attempts per step)."""
    rows = CheckAttempt.objects.filter(user=user, step__roadmap=roadmap).values_list(
        "step_id", "correct", "total", "passed"
    )
    return _best_by_step(rows)


def _best_by_step(rows) -> dict[int, StepCheck]:
    """The best of (step_id, correct, total, passed) rows for each step: passed first, then the
    highest share right."""
    best: dict[int, StepCheck] = {}
    for step_id, correct, total, passed in rows:
        check = StepCheck(correct=correct, total=total, passed=passed)
        current = best.get(step_id)
        if current is None or (check.passed, check.correct / check.total) > (
            current.passed,
            current.correct / current.total,
        ):
            best[step_id] = check
    return best


def best_check(user, step: Step) -> StepCheck | None:
    """The learner's best attempt on one step's self-check, or None. One query."""
    rows = CheckAttempt.objects.filter(user=user, step=step).values_list("step_id", "correct", "total", "passed")
    return _best_by_step(rows).get(step.pk)


def question_count(step: Step) -> int:
    """How many questions the step's self-check has. One query."""
    return step.questions.count()


def attempts_for(user, step: Step, *, limit: int = 10) -> list[CheckAttempt]:
    """The learner's latest attempts on a step's self-check, newest first."""
    return list(CheckAttempt.objects.filter(user=user, step=step).order_by("-created_at", "-id")[:limit])


def attempt_get(user, step: Step, attempt_id: int) -> CheckAttempt:
    """One of the learner's own attempts on this step, or 404 (someone else's is a 404 too)."""
    attempt = get_object_or_404(CheckAttempt, pk=attempt_id, user=user, step=step)
    attempt.step = step
    return attempt


# --- reviews ----------------------------------------------------------------------------------


def _start_of(day: date, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _due_condition(today: date, tz) -> Q:
    # A done topic without a card is first due schedule.first_due(the day it was done): it is due by
    # `today` when it was done before the start of (today - first interval + 1).
    cutoff = _start_of(today - timedelta(days=schedule.LADDER[schedule.FIRST_RUNG] - 1), tz)
    return Q(review__due_on__lte=today) | Q(review__isnull=True, completed_at__lt=cutoff)


def _done_rows(user):
    return TopicProgress.objects.filter(user=user, status=DONE, completed_at__isnull=False)


def due_reviews(user, *, today: date | None = None) -> list[TopicProgress]:
    """The learner's done topics due for review on `today` (their date) or before, the longest
    overdue first, each with its topic, step, roadmap and card (`review`, or None before the first
    review) and `due_on`. One query."""
    today = today or user.today()
    rows = list(
        _done_rows(user)
        .filter(_due_condition(today, user.zone), topic__step__roadmap__published=True)
        .select_related("topic__step__roadmap", "review")
        .order_by("completed_at", "id")
    )
    for row in rows:
        row.due_on = due_date(row, user.zone)
    rows.sort(key=lambda row: (row.due_on, row.completed_at, row.pk))
    return rows


def due_date(row: TopicProgress, tz) -> date:
    """When a done topic is (or was) due for review: its card's date, else its first review day."""
    try:
        return row.review.due_on
    except ReviewCard.DoesNotExist:
        return schedule.first_due(timezone.localtime(row.completed_at, tz).date())


def due_counts(today_by_user: dict[int, date]) -> dict[int, int]:
    """{user_id: reviews due} for many learners, each on their own date. One query for all."""
    if not today_by_user:
        return {}
    rows = (
        TopicProgress.objects.filter(user_id__in=list(today_by_user), status=DONE, completed_at__isnull=False)
        .filter(topic__step__roadmap__published=True)
        .values_list("user_id", "user__timezone", "completed_at", "review__due_on")
    )
    counts = dict.fromkeys(today_by_user, 0)
    zones: dict[str, ZoneInfo] = {}
    for user_id, zone_name, completed_at, card_due_on in rows:
        if card_due_on is None:
            if zone_name not in zones:
                zones[zone_name] = User(timezone=zone_name).zone
            card_due_on = schedule.first_due(timezone.localtime(completed_at, zones[zone_name]).date())
        counts[user_id] += card_due_on <= today_by_user[user_id]
    return counts


def review_calendar(user, *, today: date | None = None) -> list[tuple[date, list[TopicProgress]]]:
    """[(day, [done topics due that day])] from today on, in date order: overdue topics are due
    today. What the calendar feed shows as review days. One query."""
    today = today or user.today()
    days: dict[date, list[TopicProgress]] = defaultdict(list)
    rows = (
        _done_rows(user)
        .filter(topic__step__roadmap__published=True)
        .select_related("topic__step__roadmap", "review")
        .order_by("topic__step__number", "topic__order", "id")
    )
    for row in rows:
        days[max(due_date(row, user.zone), today)].append(row)
    return sorted(days.items())


def done_progress_get(user, topic_id: int) -> TopicProgress:
    """The learner's own done topic, with its card, or 404."""
    return get_object_or_404(
        TopicProgress.objects.select_related("topic__step__roadmap", "review", "user"),
        user=user,
        topic_id=topic_id,
        status=DONE,
        completed_at__isnull=False,
        topic__step__roadmap__published=True,
    )


def step_resources(step_ids) -> dict[int, list[Resource]]:
    """{step_id: [resources]} for a refresher on those steps' topics. One query."""
    result: dict[int, list[Resource]] = defaultdict(list)
    for resource in Resource.objects.filter(step_id__in=list(step_ids)).order_by("order", "id"):
        result[resource.step_id].append(resource)
    return dict(result)


def review_log_get(user, log_id: int) -> ReviewLog | None:
    """One of the learner's own reviews, with its topic and step (None if not theirs)."""
    return ReviewLog.objects.filter(user=user, pk=log_id).select_related("topic__step__roadmap").first()


def calendar_feed_for(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_get(token: str) -> CalendarFeed:
    """The feed with this token, with its learner, or 404 (a reset or deleted address is gone)."""
    return get_object_or_404(CalendarFeed.objects.select_related("user"), token=token, user__is_active=True)


def practice_for_export(user) -> dict:
    """The learner's self-check attempts, review schedule and review history, for the data export."""
    attempts = CheckAttempt.objects.filter(user=user).select_related("step__roadmap").order_by("created_at", "id")
    cards = TopicProgress.objects.filter(user=user, review__isnull=False).select_related("review", "topic__step")
    logs = ReviewLog.objects.filter(user=user).select_related("topic__step").order_by("reviewed_at", "id")
    feed = calendar_feed_for(user)
    return {
        "self_checks": [
            {
                "roadmap": attempt.step.roadmap.slug,
                "step": attempt.step.slug,
                "submitted_at": attempt.created_at.isoformat(),
                "correct": attempt.correct,
                "total": attempt.total,
                "passed": attempt.passed,
                "answers": attempt.answers,
            }
            for attempt in attempts
        ],
        "review_schedule": [
            {
                "step": row.topic.step.slug,
                "topic": row.topic.slug,
                "due_on": row.review.due_on.isoformat(),
                "interval_days": row.review.interval_days,
                "reviews": row.review.reviews,
                "lapses": row.review.lapses,
            }
            for row in cards
        ],
        "review_history": [
            {
                "step": log.topic.step.slug,
                "topic": log.topic.slug,
                "reviewed_at": log.reviewed_at.isoformat(),
                "kind": log.kind,
                "remembered": log.remembered,
                "correct": log.correct,
                "total": log.total,
                "next_due_on": log.next_due_on.isoformat(),
            }
            for log in logs
        ],
        "calendar_feed": {"enabled": feed is not None, "created_at": feed.created_at.isoformat() if feed else None},
    }
