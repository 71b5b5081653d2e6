"""Writes of a learner's practice: a submitted self-check, a review, the calendar feed's address."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from practice import schedule, selectors
from practice.models import CalendarFeed, CheckAttempt, ReviewCard, ReviewLog, new_calendar_token
from practice.scoring import Score, score
from roadmap.models import Step, TopicProgress


def _valid_answers(questions, answers: dict) -> dict[int, list[int]]:
    """`answers` ({question id: [choice ids]}) checked against the questions: every choice must be
    one of its question's, a single-answer question takes one choice, unknown questions are refused.
    Raises ValidationError naming the problem."""
    by_id = {question.pk: question for question in questions}
    clean: dict[int, list[int]] = {}
    for question_id, choice_ids in answers.items():
        question = by_id.get(question_id)
        if question is None:
            raise ValidationError(f"Question {question_id} is not part of this check.")
        allowed = {choice.pk for choice in question.choices.all()}
        chosen = sorted(set(choice_ids))
        if not set(chosen) <= allowed:
            raise ValidationError(f"A choice given for question {question_id} is not one of its choices.")
        if len(chosen) > 1 and sum(choice.correct for choice in question.choices.all()) == 1:
            raise ValidationError(f"Question {question_id} takes one answer.")
        clean[question_id] = chosen
    return clean


@transaction.atomic
def check_submit(*, user, step: Step, answers: dict[int, list[int]]) -> tuple[CheckAttempt, Score]:
    """Score a learner's answers to a step's self-check on the server and keep the attempt.

    Unanswered questions count as wrong. Side effects: one CheckAttempt row (its save makes the
    learner's cached public page stale: practice/signals.py). Raises ValidationError for answers that
    do not fit the questions, or when the step has no self-check.
    """
    questions = selectors.questions_for(step=step)
    if not questions:
        raise ValidationError("This step has no self-check yet.")
    answers = _valid_answers(questions, answers)
    result = score(questions, answers)
    attempt = CheckAttempt.objects.create(
        user=user,
        step=step,
        correct=result.correct,
        total=result.total,
        passed=result.passed,
        answers={str(question_id): choice_ids for question_id, choice_ids in answers.items()},
    )
    return attempt, result


def check_score(*, step: Step, answers: dict[int, list[int]]) -> Score:
    """Score answers without keeping them (a visitor who is not signed in). Raises ValidationError as
    check_submit does."""
    questions = selectors.questions_for(step=step)
    if not questions:
        raise ValidationError("This step has no self-check yet.")
    return score(questions, _valid_answers(questions, answers))


@transaction.atomic
def review_record(
    *, user, progress: TopicProgress, remembered: bool | None = None, answers: dict[int, list[int]] | None = None
) -> tuple[ReviewLog, Score | None]:
    """Record a review of a done topic: by its questions (`answers`: remembered when the score would
    pass a self-check) or by the learner's own rating (`remembered`).

    Side effects: creates or moves the topic's ReviewCard (a rung up when remembered, down when not;
    the next due date in the learner's time zone) and adds a ReviewLog. Raises ValidationError when
    neither or both kinds of answer are given, or when the answers do not fit the topic's questions.
    """
    if (answers is None) == (remembered is None):
        raise ValidationError("Answer the topic's questions or rate how well you remember it.")
    result = None
    kind = ReviewLog.Kind.SELF_RATING
    if answers is not None:
        questions = selectors.questions_for(topic=progress.topic)
        if not questions:
            raise ValidationError("This topic has no questions: rate how well you remember it instead.")
        answers = _valid_answers(questions, answers)
        result = score(questions, answers)
        remembered = result.passed
        kind = ReviewLog.Kind.QUESTIONS

    today = user.today()
    card = ReviewCard.objects.select_for_update().filter(progress=progress).first()
    if card is None:
        card = ReviewCard(progress=progress, user=user, topic=progress.topic, rung=schedule.FIRST_RUNG)
    card.rung = schedule.next_rung(card.rung, remembered=remembered)
    card.interval_days = schedule.interval(card.rung)
    card.due_on = today + timedelta(days=card.interval_days)
    card.reviews += 1
    card.lapses += not remembered
    card.last_reviewed_at = timezone.now()
    card.save()
    log = ReviewLog.objects.create(
        user=user,
        topic=progress.topic,
        kind=kind,
        remembered=remembered,
        correct=result.correct if result else None,
        total=result.total if result else None,
        answers={str(q): c for q, c in answers.items()} if answers else {},
        interval_days=card.interval_days,
        next_due_on=card.due_on,
    )
    return log, result


@transaction.atomic
def calendar_feed_reset(*, user) -> CalendarFeed:
    """Give the learner a calendar feed address, or a new one: the old address stops working.
    Side effects: creates or updates the learner's CalendarFeed."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    if not created:
        feed.token = new_calendar_token()
        feed.created_at = timezone.now()
        feed.last_fetched_at = None
        feed.save(update_fields=["token", "created_at", "last_fetched_at"])
    return feed


def calendar_feed_delete(*, user) -> bool:
    """Turn the learner's calendar feed off: its address stops working. Returns whether there was one."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_feed_fetched(*, feed: CalendarFeed) -> None:
    """Note when a calendar app last fetched the feed (shown to the learner), at most once an hour."""
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at > timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
