"""Personal API tokens end with the credentials that made them: a password change or reset (through
allauth's flows, which send these signals and the email that says so), or the account's
deactivation (by anyone: the admin, a shell), revokes every token of the account (a password set in
the admin: accounts.forms.AdminPasswordChangeForm). Connected by
AccountsConfig.ready()."""

from allauth.account.signals import password_changed, password_reset
from django.db.models.signals import post_save

from accounts.models import User
from accounts.token_services import api_tokens_revoke_all


def _password_replaced(sender, request, user, **kwargs):
    api_tokens_revoke_all(user=user)


def _user_saved(sender, instance, created=False, update_fields=None, **kwargs):
    if created or instance.is_active:
        return
    if update_fields is None or "is_active" in update_fields:
        api_tokens_revoke_all(user=instance)


def connect() -> None:
    password_changed.connect(_password_replaced, dispatch_uid="api-tokens-password-changed")
    password_reset.connect(_password_replaced, dispatch_uid="api-tokens-password-reset")
    post_save.connect(_user_saved, sender=User, dispatch_uid="api-tokens-user-deactivated")
