"""How cohorts answer events of the apps below them (accounts never imports cohorts):

- a learner's data export asks every app for its section (accounts.selectors.export_sections);
  cohorts answers with the learner's memberships and the nudges they received;
- the monthly reminder job asks every app for its monthly emails (accounts.tasks.monthly_emails);
  cohorts prepares the month's mentor digests and queues one task per cohort;
- an account about to be deleted hands each cohort it owns to the longest-standing mentor (or
  member) first, so that a group does not lose its owner with one person's account; its memberships
  then go with the account (the database cascades);
- the board's figures are cached under the cohort's scope (cohorts/board.py): any save or deletion of
  the cohort or one of its memberships (joining, leaving, a role, a switch; a cascade from an account)
  bumps it. Cohort pages themselves are private and never cached.

Connected by CohortsConfig.ready().
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_delete

from accounts.selectors import export_sections
from accounts.tasks import monthly_emails
from cohorts import board, selectors, services, tasks
from cohorts.models import Cohort, Membership
from config.cache import bump


def _export_section(sender, user, **kwargs):
    return "cohorts", selectors.cohorts_for_export(user)


def _monthly_emails(sender, period, **kwargs):
    tasks.send_mentor_digests(period=period)


def _membership_changed(sender, instance, **kwargs):
    bump(board.cohort_scope(instance.cohort_id))


def _cohort_changed(sender, instance, **kwargs):
    bump(board.cohort_scope(instance.pk))


def _account_deleting(sender, instance, **kwargs):
    services.owner_account_leaving(user=instance)


def connect() -> None:
    export_sections.connect(_export_section, dispatch_uid="cohorts-export")
    monthly_emails.connect(_monthly_emails, dispatch_uid="cohorts-mentor-digests")
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="cohorts-board-membership-save")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="cohorts-board-membership-delete")
    post_save.connect(_cohort_changed, sender=Cohort, dispatch_uid="cohorts-board-cohort-save")
    pre_delete.connect(_account_deleting, sender=get_user_model(), dispatch_uid="cohorts-owner-leaving")
