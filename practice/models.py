"""What a learner does to know that they know it: self-check attempts on a step's questions, the
spaced review schedule of the topics they have done, and the private calendar feed of their plan.

The questions themselves are roadmap content (roadmap.models.Question and Choice)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from roadmap.models import Step, Topic, TopicProgress

# A self-check is passed with at least this share of its questions right.
PASS_PERCENT = 80


class CheckAttempt(models.Model):
    """One submitted self-check: the score and the choices made ({question id: [choice ids]})."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_attempts")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="check_attempts")
    created_at = models.DateTimeField(auto_now_add=True)
    correct = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    answers = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "step"], name="attempt_user_step")]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=1) & Q(correct__lte=F("total")), name="attempt_score_valid")
        ]

    def __str__(self):
        return f"{self.user} - {self.step}: {self.correct}/{self.total}"

    def get_absolute_url(self):
        return reverse(
            "practice:attempt",
            kwargs={"slug": self.step.roadmap.slug, "step_slug": self.step.slug, "attempt_id": self.pk},
        )

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


class ReviewCard(models.Model):
    """Where a done topic stands in the learner's spaced review: when it is next due, on which rung of
    the interval ladder (practice.schedule). A done topic without a card is first due a rung-1
    interval after the day it was done; the card appears at its first review."""

    progress = models.OneToOneField(TopicProgress, on_delete=models.CASCADE, related_name="review")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="review_cards")
    rung = models.PositiveSmallIntegerField(default=1)
    interval_days = models.PositiveSmallIntegerField()
    # A date in the learner's time zone.
    due_on = models.DateField()
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "due_on"], name="review_user_due")]
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="review_one_per_user_topic")]

    def __str__(self):
        return f"{self.user} - {self.topic}: due {self.due_on}"


class ReviewLog(models.Model):
    """One review of a topic: remembered or not (by its questions, or by the learner's own rating)."""

    class Kind(models.TextChoices):
        QUESTIONS = "questions", "Questions"
        SELF_RATING = "self_rating", "Self rating"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_logs")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="review_logs")
    reviewed_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    remembered = models.BooleanField()
    correct = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    # The schedule this review set: the next interval and due date.
    interval_days = models.PositiveSmallIntegerField()
    next_due_on = models.DateField()

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        indexes = [models.Index(fields=["user", "-reviewed_at"], name="reviewlog_user_recent")]

    def __str__(self):
        return f"{self.user} - {self.topic}: {'remembered' if self.remembered else 'forgotten'}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A learner's private calendar feed (.ics): its address holds a random token; resetting the
    address makes a new token, so that the old address stops working at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"

    def get_absolute_url(self):
        return reverse("practice:calendar_feed", kwargs={"token": self.token})
