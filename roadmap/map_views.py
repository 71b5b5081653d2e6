"""The roadmap map as files to download (SVG, PNG): the plain map, or with `?u=<username>` a learner's
progress on it when their page is public and shows progress (a learner may always download their own).

Who may be drawn: the learner's page must be public, not hidden by staff, the account active, and
progress shown on it -- the rule of portfolio.models.portfolio_page_visible_q plus show_progress,
spelled out here on the user model because the roadmap app sits below the portfolio app
(tests/roadmap/test_map_downloads.py walks every state against the public page itself).
"""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from config.cache import ROADMAP_SCOPE, cache_anonymous_page, cached_value, user_scope
from roadmap import selectors
from roadmap.map import build_map
from roadmap.map_image import RENDERER, render_png
from roadmap.map_paint import painted

MARGIN, TOP, BOTTOM = 16, 56, 36
# A username as accounts.models allows it; anything else names nobody.
USERNAME_RE = re.compile(r"[A-Za-z0-9_-]{1,30}")


def _requested_username(request) -> str | None:
    """`?u=` when it is a well-formed username, "" when malformed, None when absent."""
    if "u" not in request.GET:
        return None
    username = request.GET["u"]
    return username if USERNAME_RE.fullmatch(username) else ""


def _drawn_user(request):
    """The learner named by `?u=`, when they may be drawn; None without `?u=`; 404 otherwise."""
    username = _requested_username(request)
    if username is None:
        return None
    if not username:
        raise Http404("No such learner.")
    user = get_user_model().objects.filter(username__iexact=username).first()
    if user is None:
        raise Http404("No such learner.")
    own = request.user.is_authenticated and request.user.pk == user.pk
    public = user.portfolio_public and not user.page_hidden and user.is_active and user.show_progress
    if not (own or public):
        raise Http404("No such learner.")
    return user


def _scopes(request, slug):
    username = _requested_username(request)
    return [ROADMAP_SCOPE, user_scope(username)] if username else [ROADMAP_SCOPE]


def _subject(request, slug):
    """(roadmap, learner or None), or a redirect to the username as stored."""
    roadmap = selectors.roadmap_get_published(slug)
    learner = _drawn_user(request)
    if learner is not None and learner.username != request.GET["u"]:
        return HttpResponseRedirect(f"{request.path}?{urlencode({'u': learner.username})}", status=301)
    return roadmap, learner


def _drawing(roadmap, learner):
    """(drawing, texts): the wide map, plain or with the learner's progress, and the file's texts."""
    phases = selectors.phases_with_steps(roadmap)
    progress = selectors.progress_for(learner, roadmap) if learner else None
    drawing = build_map(roadmap, phases, progress=progress, learner_name=learner.name if learner else "")
    url = f"{settings.SITE_URL}{roadmap.get_absolute_url()}"
    if learner:
        heading = f"{roadmap.title}: {learner.name}"
        subheading = f"{progress.overall.done} of {progress.overall.total} required topics done"
    else:
        heading, subheading = roadmap.title, f"Version {roadmap.version}"
    texts = {"heading": heading, "subheading": subheading, "footer": url}
    return drawing, texts


def _filename(roadmap, learner, extension):
    name = f"{roadmap.slug}-map" + (f"-{learner.username}" if learner else "")
    return f'inline; filename="{name}.{extension}"'


@require_safe
@cache_anonymous_page(_scopes, query_params=["u"])
def map_svg(request, slug):
    subject = _subject(request, slug)
    if isinstance(subject, HttpResponse):
        return subject
    roadmap, learner = subject
    drawing, texts = _drawing(roadmap, learner)
    width, height = round(drawing.width + 2 * MARGIN), round(drawing.height + TOP + BOTTOM)
    svg = render_to_string(
        "roadmap/map_download.svg",
        {
            "map": drawing,
            "paint": painted(drawing),
            "width": width,
            "height": height,
            "margin": MARGIN,
            "top": TOP,
            "footer_y": height - 14,
            "site_url": settings.SITE_URL,
            **texts,
        },
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = _filename(roadmap, learner, "svg")
    return response


def _png(roadmap, learner) -> bytes:
    drawing, texts = _drawing(roadmap, learner)
    return render_png(drawing, **texts)


@require_safe
def map_png(request, slug):
    subject = _subject(request, slug)
    if isinstance(subject, HttpResponse):
        return subject
    roadmap, learner = subject
    username = learner.username if learner else ""
    scopes = [ROADMAP_SCOPE, user_scope(username)] if learner else [ROADMAP_SCOPE]
    png = cached_value(
        scopes,
        f"roadmap-map-png:{RENDERER}:{roadmap.slug}:{username.lower()}",
        lambda: _png(roadmap, learner),
    )
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = _filename(roadmap, learner, "png")
    return response
