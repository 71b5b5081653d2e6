"""Writes to a learner's account: settings and deletion."""

from django.db import transaction

from accounts.models import User


@transaction.atomic
def settings_update(*, user: User, changes: dict) -> list[str]:
    """Save the learner's settings. `changes` maps field names to cleaned values.

    Side effects: saves the changed fields of the user row (bio re-rendered to sanitised HTML), which
    makes the cached public pages of the old and new username stale (accounts/signals.py). Returns the
    names of the fields that changed.
    """
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.save(update_fields=[*changed, "bio_html"] if "bio" in changed else changed)
    return changed


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account and everything that belongs to it.

    Side effects: deletes the user row; the database cascades to progress and notes, portfolio projects,
    reminder deliveries, API tokens, email addresses, connected accounts, two-factor authenticators and
    admin log entries; changelog entries and releases they authored keep their text but lose the link
    (SET_NULL). Their public pages are made stale in the cache at once, so they 404 on the next request.
    """
    user.delete()
