"""The search index follows every write to what it holds, whoever makes it (the admin, the loader, a
service, a shell): roadmap content, projects and learners. Bulk writes send no signals: the code
doing them runs `search.services.reindex_all()` (seed_demo does) or `manage.py search_reindex`.
Connected by SearchConfig.ready()."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from portfolio.models import Project
from roadmap.models import ProjectIdea, Resource, Roadmap, Step, Tool, Topic
from search import services


def _content_saved(sender, instance, **kwargs):
    services.index_objects(sender, [instance])
    if sender is Step:
        services.index_step_children(instance)


def _deleted(sender, instance, **kwargs):
    services.unindex_object(sender, instance.pk)


def _roadmap_saved(sender, instance, created, **kwargs):
    if not created:
        services.index_roadmap(instance)


def _project_saved(sender, instance, **kwargs):
    services.index_project(instance)


def _user_saved(sender, instance, update_fields=None, **kwargs):
    # Signing in records the time and nothing search shows.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    services.index_user(instance)


def connect() -> None:
    for model in (Step, Topic, Tool, Resource, ProjectIdea):
        post_save.connect(_content_saved, sender=model, dispatch_uid=f"search-{model.__name__}-save")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-{model.__name__}-delete")
    post_save.connect(_roadmap_saved, sender=Roadmap, dispatch_uid="search-roadmap-save")
    post_save.connect(_project_saved, sender=Project, dispatch_uid="search-project-save")
    post_delete.connect(_deleted, sender=Project, dispatch_uid="search-project-delete")
    User = get_user_model()
    post_save.connect(_user_saved, sender=User, dispatch_uid="search-user-save")
