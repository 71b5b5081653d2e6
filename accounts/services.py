"""Writes to a learner's account: settings and deletion."""

from django.db import transaction

from accounts.models import User
from config.cache import bump_user_pages

# The settings form's fields that show on the public portfolio page.
PUBLIC_FIELDS = {
    "username",
    "display_name",
    "headline",
    "bio",
    "location",
    "github_username",
    "linkedin_url",
    "website_url",
    "portfolio_public",
    "show_progress",
}


@transaction.atomic
def settings_update(*, user: User, changes: dict) -> list[str]:
    """Save the learner's settings. `changes` maps field names to cleaned values.

    Side effects: saves the changed fields of the user row (bio re-rendered to sanitised HTML); when a
    field shown on the public page changed, the cached public pages of the old and new username are
    made stale after commit. Returns the names of the fields that changed.
    """
    old_username = user.username
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.save(update_fields=[*changed, "bio_html"] if "bio" in changed else changed)
    if PUBLIC_FIELDS.intersection(changed):
        _bump_pages(old_username, user.username)
    return changed


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account and everything that belongs to it.

    Side effects: deletes the user row; the database cascades to progress and notes, portfolio projects,
    reminder deliveries, API tokens, email addresses, connected accounts, two-factor authenticators and
    admin log entries; changelog entries and releases they authored keep their text but lose the link
    (SET_NULL). Their public pages are made stale in the cache at once, so they 404 on the next request.
    """
    username = user.username
    user.delete()
    _bump_pages(username)


def _bump_pages(*usernames):
    # Now, so that this request's own next page is fresh, and again after commit, so that a page cached
    # by a concurrent request between the two cannot outlive the change.
    for username in set(usernames):
        bump_user_pages(username)
    transaction.on_commit(lambda: [bump_user_pages(username) for username in set(usernames)])
