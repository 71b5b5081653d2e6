"""Cached public pages follow every write to a project, whoever makes it: the editor, the API, the
admin, a shell (config/cache.py). Connected by PortfolioConfig.ready()."""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from config.cache import bump, user_scope
from portfolio.models import Project


def _project_changed(sender, instance, origin=None, **kwargs):
    # Deleted with its owner: the owner's own deletion makes their pages stale.
    if isinstance(origin, get_user_model()):
        return
    bump(user_scope(instance.owner.username))


def _skills_changed(sender, instance, action, reverse, **kwargs):
    # The skills matrix of the public page. From the step's side, the roadmap's version covers it.
    if not reverse and action in ("post_add", "post_remove", "post_clear"):
        bump(user_scope(instance.owner.username))


def connect() -> None:
    post_save.connect(_project_changed, sender=Project, dispatch_uid="pages-project-save")
    post_delete.connect(_project_changed, sender=Project, dispatch_uid="pages-project-delete")
    m2m_changed.connect(_skills_changed, sender=Project.skills.through, dispatch_uid="pages-project-skills")
