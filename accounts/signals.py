"""Cached public pages follow every write to a learner, whoever makes it: settings, the admin, a
shell, a deletion (config/cache.py). Connected by AccountsConfig.ready()."""

from allauth.socialaccount.models import SocialAccount
from django.db.models.signals import post_delete, post_save, pre_save

from accounts.models import User
from config.cache import bump, user_scope

# Saves that change nothing a cached page shows (signing in records the time).
_UNSEEN_FIELDS = frozenset(["last_login"])


def _username_before_save(sender, instance, update_fields=None, **kwargs):
    # A renamed learner's pages under the old name must go too (_user_saved bumps both).
    if instance.pk and (update_fields is None or "username" in update_fields):
        instance.username_before_save = User.objects.filter(pk=instance.pk).values_list("username", flat=True).first()


def _user_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= _UNSEEN_FIELDS:
        return
    old = getattr(instance, "username_before_save", None) or instance.username
    bump(user_scope(instance.username), user_scope(old))


def _user_deleted(sender, instance, **kwargs):
    bump(user_scope(instance.username))


def _social_account_changed(sender, instance, origin=None, **kwargs):
    # The public page's success metrics say whether GitHub is connected. Deleted with the learner:
    # _user_deleted covers it.
    if not isinstance(origin, User):
        bump(user_scope(instance.user.username))


def connect() -> None:
    pre_save.connect(_username_before_save, sender=User, dispatch_uid="pages-user-rename")
    post_save.connect(_user_saved, sender=User, dispatch_uid="pages-user-save")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="pages-user-delete")
    post_save.connect(_social_account_changed, sender=SocialAccount, dispatch_uid="pages-social-save")
    post_delete.connect(_social_account_changed, sender=SocialAccount, dispatch_uid="pages-social-delete")
