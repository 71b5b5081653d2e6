"""The roadmap the site is about, for every page's footer: its title, version, author and address.

Kept in the cache with the roadmap's version (config.cache.cached_value), so that a page's chrome
costs no query and no read of the roadmap's guide (a large JSON document) once it is there.
"""

from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from config.cache import ROADMAP_SCOPE, cached_value
from roadmap import selectors


def _credit() -> dict | None:
    roadmap = selectors.default_roadmap()
    if roadmap is None:
        return None
    credits = (roadmap.guide or {}).get("credits") or {}
    return {
        "title": roadmap.title,
        "version": roadmap.version,
        "author": credits.get("author", ""),
        "url": roadmap.get_absolute_url(),
    }


def _site_credit() -> dict | None:
    try:
        return cached_value([ROADMAP_SCOPE], "site-credit", _credit)
    except DatabaseError:
        # An error page (a 500 while the database is down) still renders: its footer without a version.
        return None


def site_roadmap(request):
    # Read only by a page without a roadmap of its own in its context: one cache read, or one query.
    return {"site_credit": SimpleLazyObject(_site_credit)}
