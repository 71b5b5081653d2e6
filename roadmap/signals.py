"""Cached pages follow every write to roadmap content and to learners' progress, whoever makes it:
the admin, the loader, release publishing, a shell, a data migration, a test factory
(config/cache.py). Connected by RoadmapConfig.ready()."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from config.cache import ROADMAP_SCOPE, bump, user_scope
from roadmap.models import ProjectIdea, TopicProgress


def _content_changed(sender, **kwargs):
    bump(ROADMAP_SCOPE)


def _progress_changed(sender, instance, origin=None, **kwargs):
    # Deleted with its topic or its learner: that deletion makes the pages stale itself.
    if origin is None or isinstance(origin, sender) or getattr(origin, "model", None) is sender:
        bump(user_scope(instance.user.username))


def connect() -> None:
    # Every roadmap model is content, the changelog included (the changes page and feed show it);
    # a learner's progress shows on their public page.
    for model in apps.get_app_config("roadmap").get_models():
        if model is TopicProgress:
            continue
        uid = f"roadmap-version-{model.__name__}"
        post_save.connect(_content_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_content_changed, sender=model, dispatch_uid=f"{uid}-delete")
    m2m_changed.connect(_content_changed, sender=ProjectIdea.steps.through, dispatch_uid="roadmap-version-idea-steps")
    post_save.connect(_progress_changed, sender=TopicProgress, dispatch_uid="pages-progress-save")
    post_delete.connect(_progress_changed, sender=TopicProgress, dispatch_uid="pages-progress-delete")
