"""What the pages and emails of the lower apps (roadmap, portfolio, accounts) show about a learner's
practice, answered by the app above them that keeps it (practice: self-check scores, reviews due).

Django signals keep the dependency one-way: these modules send them and never import the app that
answers. With nothing connected (a site without the practice app), a learner has no scores and no
reviews due.
"""

from dataclasses import dataclass
from datetime import date

from django.dispatch import Signal

# Sent with `user` and `roadmap`; a receiver returns {step_id: StepCheck} (the learner's best attempts).
check_scores_requested = Signal()
# Sent with `user_ids` and `today` ({user_id: date}, each learner's own date); a receiver returns
# {user_id: number of topics due for review on that day or before}.
reviews_due_requested = Signal()


@dataclass(frozen=True)
class StepCheck:
    """A learner's best self-check attempt on a step: right answers over questions asked."""

    correct: int
    total: int
    passed: bool

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    def __str__(self):
        return f"{self.correct}/{self.total}"


def check_scores(user, roadmap) -> dict:
    """{step_id: StepCheck} of the learner's best attempt on each step's self-check (none for
    anonymous visitors)."""
    scores: dict = {}
    if user is None or not user.is_authenticated:
        return scores
    for _receiver, answer in check_scores_requested.send(sender=check_scores, user=user, roadmap=roadmap):
        scores.update(answer or {})
    return scores


def passed_step_ids(scores: dict) -> set:
    return {step_id for step_id, check in scores.items() if check.passed}


def reviews_due_for_users(today_by_user: dict[int, date]) -> dict[int, int]:
    """{user_id: topics due for review} for the given learners on their own dates."""
    due = dict.fromkeys(today_by_user, 0)
    if not today_by_user:
        return due
    for _receiver, answer in reviews_due_requested.send(sender=reviews_due_for_users, today=today_by_user):
        for user_id, count in (answer or {}).items():
            due[user_id] = due.get(user_id, 0) + count
    return due


def reviews_due(user, *, today: date | None = None) -> int:
    """How many of the learner's done topics are due for review on `today` (their date) or before."""
    if user is None or not user.is_authenticated:
        return 0
    return reviews_due_for_users({user.pk: today or user.today()})[user.pk]
