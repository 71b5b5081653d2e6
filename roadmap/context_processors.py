"""The roadmap the site is about, for every page's footer: its title, version, author and address."""

from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from roadmap import selectors


def _site_credit() -> dict | None:
    try:
        return selectors.site_roadmap_summary()
    except DatabaseError:
        # An error page (a 500 while the database is down) still renders: its footer without a version.
        return None


def site_roadmap(request):
    # Read only by a page without a roadmap of its own in its context: one cache read, or one query.
    return {"site_credit": SimpleLazyObject(_site_credit)}
