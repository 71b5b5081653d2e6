"""Personal API tokens: create, revoke, and recognise them.

A key is shown once, when it is created; only its SHA-256 hash is stored, so a leaked database
does not leak working keys. The key's first characters stay readable to tell tokens apart.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiToken, User

KEY_PREFIX = "rmp_"
PREFIX_LENGTH = 12
MAX_TOKENS_PER_USER = 20
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length
# last_used_at is a hint for the owner, not an audit log: one write a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token for `user`; returns the token and its key (never stored).

    Side effects: one ApiToken row holding the key's hash. Raises ValidationError for an empty or
    too long name, or when the user already has MAX_TOKENS_PER_USER tokens.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, for example the tool that will use it."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"Use at most {NAME_MAX_LENGTH} characters."})
    # Lock the user's row so that two concurrent requests cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(f"You have {MAX_TOKENS_PER_USER} tokens already; revoke one you no longer use.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key))
    return token, key


def api_token_revoke(*, user, token_id) -> bool:
    """Delete one of `user`'s tokens; False if they have no token with that id.

    Side effects: deletes the ApiToken row; requests with its key are refused from then on.
    """
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def api_tokens_revoke_all(*, user) -> int:
    """Delete every token of `user` (their password changed, or the account was deactivated);
    returns how many there were.

    Side effects: deletes the user's ApiToken rows; requests with their keys are refused from then on.
    """
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_token_authenticate(key: str) -> ApiToken | None:
    """The token with this key, with its user, or None. Records when it was last used.

    Side effects: sets last_used_at, at most once per LAST_USED_PRECISION, with a conditional
    UPDATE so that concurrent requests write it once.
    """
    if not key or len(key) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_tokens_for(user):
    """The user's tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
