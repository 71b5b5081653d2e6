"""/about/: who wrote the roadmap, which version this is, and what this site adds to it."""

import datetime

from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from config.cache import cache_anonymous_page
from roadmap import selectors

# Links verified this recently count as fresh on the about page (the check runs weekly).
FRESH_DAYS = 8


@require_safe
@cache_anonymous_page()
def about(request):
    roadmap = selectors.default_roadmap()
    context = {"roadmap": roadmap}
    if roadmap is not None:
        since = timezone.now() - datetime.timedelta(days=FRESH_DAYS)
        context.update(
            credits=roadmap.guide.get("credits") or {},
            counts=roadmap.steps.aggregate(steps=Count("id", distinct=True), topics=Count("topics", distinct=True)),
            links=selectors.link_check_summary(roadmap, since=since),
            fresh_days=FRESH_DAYS,
        )
    return render(request, "roadmap/about.html", context)
