"""Public pages of a roadmap: the landing page, the roadmap, its steps, project ideas, the guide
sections and the changelog. Signed-in learners also see their progress on them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.cache import cache_anonymous_page
from config.views import error_page
from roadmap import selectors, services
from roadmap.models import TopicProgress
from roadmap.plan import plan_status

GUIDE_SECTIONS = {
    "tools": "Tools & technologies",
    "career": "Career preparation",
    "resources": "Additional resources",
    "advice": "Final advice",
}


def _progress(request, roadmap):
    if request.user.is_authenticated:
        return selectors.progress_for(request.user, roadmap)
    return None


@cache_anonymous_page()
def home(request):
    roadmap = selectors.default_roadmap()
    context = {"roadmap": roadmap}
    if roadmap is not None:
        phases = selectors.phases_with_steps(roadmap)
        steps = [step for phase in phases for step in phase.step_list]
        context.update(
            phases=phases,
            step_count=len(steps),
            topic_count=sum(step.topic_count for step in steps),
            progress=_progress(request, roadmap),
            idea_count=roadmap.project_ideas.count(),
        )
    return render(request, "roadmap/home.html", context)


@cache_anonymous_page()
def roadmap_detail(request, slug):
    roadmap = selectors.roadmap_get_published(slug)
    progress = _progress(request, roadmap)
    return render(
        request,
        "roadmap/roadmap_detail.html",
        {
            "roadmap": roadmap,
            "phases": selectors.phases_with_steps(roadmap),
            "progress": progress,
            "plan": plan_status(request.user, roadmap, progress=progress) if progress else None,
        },
    )


@cache_anonymous_page()
def step_detail(request, slug, step_slug):
    roadmap = selectors.roadmap_get_published(slug)
    step = selectors.step_get(roadmap, step_slug)
    ordered = selectors.steps_in_order(roadmap)
    index = next(i for i, s in enumerate(ordered) if s.pk == step.pk)
    return render(
        request,
        "roadmap/step_detail.html",
        {
            "roadmap": roadmap,
            "step": step,
            "groups": selectors.topic_groups(step),
            "previous_step": ordered[index - 1] if index > 0 else None,
            "next_step": ordered[index + 1] if index + 1 < len(ordered) else None,
            "progress": _progress(request, roadmap),
            "notes": selectors.notes_for_step(request.user, step),
            # (value, label, keyboard shortcut): n, l, d, s
            "states": [(value, label, value[0]) for value, label in TopicProgress.Status.choices],
        },
    )


@cache_anonymous_page()
def project_ideas(request, slug):
    roadmap = selectors.roadmap_get_published(slug)
    return render(
        request,
        "roadmap/project_ideas.html",
        {"roadmap": roadmap, "tiers": selectors.project_ideas_by_tier(roadmap)},
    )


@cache_anonymous_page()
def guide_section(request, slug, section):
    if section not in GUIDE_SECTIONS:
        raise Http404("No such section")
    roadmap = selectors.roadmap_get_published(slug)
    context = {"roadmap": roadmap, "guide": roadmap.guide, "section_title": GUIDE_SECTIONS[section]}
    if section == "tools":
        context["essential"] = selectors.tools_by_category(roadmap, essential_only=True)
        context["all_tools"] = selectors.tools_by_category(roadmap)
    return render(request, f"roadmap/guide_{section}.html", context)


@cache_anonymous_page(query_params=["page"])
def changes(request, slug):
    roadmap = selectors.roadmap_get_published(slug)
    try:
        # An out-of-range or malformed page number is a 404 (and not cached), not the last page again.
        page = Paginator(selectors.changes_for(roadmap), 50, allow_empty_first_page=True).page(
            request.GET.get("page", 1)
        )
    except InvalidPage:
        raise Http404("No such page of changes.") from None
    page.object_list = selectors.with_releases(page.object_list)
    return render(
        request,
        "roadmap/changes.html",
        {
            "roadmap": roadmap,
            "page": page,
            "releases": roadmap.releases.order_by("-published_at")[:5],
        },
    )


# --- progress: plain POST + redirect back to the topic; JSON for the page's fetch() enhancement ----

NOTE_MAX_LENGTH = TopicProgress._meta.get_field("note").max_length


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _counts_json(counts):
    return {"done": counts.done, "total": counts.total, "percent": counts.percent}


def _progress_response(request, step, *, anchor, message=""):
    """Redirect back to the step page at `anchor`, or (for fetch) the new state of the step's topics
    and of every bar on the page."""
    if not _wants_json(request):
        if message:
            messages.success(request, message)
        return redirect(f"{step.get_absolute_url()}#{anchor}")
    progress = selectors.progress_for(request.user, step.roadmap)
    labels = dict(TopicProgress.Status.choices)
    topics = step.topics.order_by("order", "id").values_list("id", "slug")
    return JsonResponse(
        {
            "ok": True,
            "message": message,
            "topics": {
                slug: {"state": progress.state_of(topic_id), "label": labels[progress.state_of(topic_id)]}
                for topic_id, slug in topics
            },
            "bars": {
                f"step-{step.slug}": _counts_json(progress.step(step.pk)),
                f"phase-{step.phase.slug}": _counts_json(progress.phase(step.phase_id)),
                "overall": _counts_json(progress.overall),
            },
        }
    )


def _bad_request(request, message):
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=400)
    return error_page(request, 400, "Bad request", message)


@login_required
@require_POST
def topic_progress(request, slug, step_slug, topic_slug):
    topic = selectors.topic_get_published(slug, step_slug, topic_slug)
    status = request.POST.get("status", "")
    if status not in TopicProgress.Status.values:
        return _bad_request(request, "Choose one of: not started, learning, done, skipped.")
    services.mark_topic(user=request.user, topic=topic, status=status)
    label = TopicProgress.Status(status).label.lower()
    message = f"“{topic.title}”: {label}."
    return _progress_response(request, topic.step, anchor=f"topic-{topic.slug}", message=message)


@login_required
@require_POST
def topic_note(request, slug, step_slug, topic_slug):
    topic = selectors.topic_get_published(slug, step_slug, topic_slug)
    note = request.POST.get("note", "")
    if len(note) > NOTE_MAX_LENGTH:
        return _bad_request(request, f"Notes can be at most {NOTE_MAX_LENGTH:,} characters long.")
    row = services.topic_note_set(user=request.user, topic=topic, note=note)
    if _wants_json(request):
        return JsonResponse({"ok": True, "note": row.note if row else "", "note_html": row.note_html if row else ""})
    messages.success(request, "Note saved." if row and row.note else "Note removed.")
    return redirect(f"{topic.step.get_absolute_url()}#topic-{topic.slug}")


@login_required
@require_POST
def step_progress(request, slug, step_slug):
    step = selectors.step_get_published(slug, step_slug)
    action = request.POST.get("action", "")
    if action == "done":
        services.step_mark_done(user=request.user, step=step)
        message = f"Step {step.number} marked done."
    elif action == "reset":
        services.step_reset(user=request.user, step=step)
        message = f"Step {step.number} reset: every topic is back to “not started” (your notes are kept)."
    else:
        return _bad_request(request, "Unknown action: use “done” or “reset”.")
    return _progress_response(request, step, anchor="topics-heading", message=message)
