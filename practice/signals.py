"""How the practice app answers the apps below it, and keeps their cached pages fresh. Connected by
PracticeConfig.ready().

- roadmap.hooks asks for a learner's best self-check scores (step page, dashboard, success metrics)
  and for the number of reviews due (dashboard, monthly email);
- a learner's data export asks every app for its section (accounts.selectors.export_sections);
- a self-check attempt changes the success metrics on the learner's public page and their dashboard,
  a review changes the reviews due on their dashboard (both cached per learner until their scope is
  bumped).
"""

from django.db.models.signals import post_delete, post_save

from accounts.selectors import export_sections
from config.cache import bump, user_scope
from practice import selectors
from practice.models import CheckAttempt, ReviewCard, ReviewLog
from roadmap import hooks


def _check_scores(sender, user, roadmap, **kwargs):
    return selectors.best_checks(user, roadmap)


def _reviews_due(sender, today, **kwargs):
    return selectors.due_counts(today)


def _export_section(sender, user, **kwargs):
    return "practice", selectors.practice_for_export(user)


def _learner_row_changed(sender, instance, origin=None, **kwargs):
    # Deleted with its learner or step: that deletion makes the pages stale itself.
    if origin is None or isinstance(origin, sender) or getattr(origin, "model", None) is sender:
        bump(user_scope(instance.user.username))


def connect() -> None:
    hooks.check_scores_requested.connect(_check_scores, dispatch_uid="practice-check-scores")
    hooks.reviews_due_requested.connect(_reviews_due, dispatch_uid="practice-reviews-due")
    export_sections.connect(_export_section, dispatch_uid="practice-export")
    for model in (CheckAttempt, ReviewCard, ReviewLog):
        uid = f"pages-{model.__name__}"
        post_save.connect(_learner_row_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_learner_row_changed, sender=model, dispatch_uid=f"{uid}-delete")
