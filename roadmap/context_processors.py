"""The roadmap the site is about, for every page's footer (its title, version and author)."""

from django.utils.functional import SimpleLazyObject

from roadmap import selectors


def site_roadmap(request):
    # Read only by a page that shows it and has no roadmap of its own in its context: one query.
    return {"site_roadmap": SimpleLazyObject(selectors.default_roadmap)}
