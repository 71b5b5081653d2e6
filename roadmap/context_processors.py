"""The roadmap the site is about, for every page's footer (its title, version and author)."""

from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from roadmap import selectors


def _default_roadmap():
    try:
        return selectors.default_roadmap()
    except DatabaseError:
        # An error page (a 500 while the database is down) still renders: its footer without a version.
        return None


def site_roadmap(request):
    # Read only by a page that shows it and has no roadmap of its own in its context: one query.
    return {"site_roadmap": SimpleLazyObject(_default_roadmap)}
