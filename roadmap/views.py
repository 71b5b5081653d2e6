"""Public pages of a roadmap: the landing page, the roadmap, its steps, project ideas, the guide
sections and the changelog. Signed-in learners also see their progress on them."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from roadmap import selectors
from roadmap.models import Release, RoadmapChange

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


def roadmap_detail(request, slug):
    roadmap = selectors.roadmap_get_published(slug)
    return render(
        request,
        "roadmap/roadmap_detail.html",
        {
            "roadmap": roadmap,
            "phases": selectors.phases_with_steps(roadmap),
            "progress": _progress(request, roadmap),
        },
    )


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
        },
    )


def project_ideas(request, slug):
    roadmap = selectors.roadmap_get_published(slug)
    return render(
        request,
        "roadmap/project_ideas.html",
        {"roadmap": roadmap, "tiers": selectors.project_ideas_by_tier(roadmap)},
    )


def guide_section(request, slug, section):
    if section not in GUIDE_SECTIONS:
        raise Http404("No such section")
    roadmap = selectors.roadmap_get_published(slug)
    context = {"roadmap": roadmap, "guide": roadmap.guide, "section_title": GUIDE_SECTIONS[section]}
    if section == "tools":
        context["essential"] = selectors.tools_by_category(roadmap, essential_only=True)
        context["all_tools"] = selectors.tools_by_category(roadmap)
    return render(request, f"roadmap/guide_{section}.html", context)


def changes(request, slug):
    roadmap = selectors.roadmap_get_published(slug)
    page = Paginator(selectors.changes_for(roadmap), 50).get_page(request.GET.get("page"))
    release_ids = [c.object_id for c in page if c.action == RoadmapChange.Action.RELEASED]
    releases = {str(r.pk): r for r in Release.objects.filter(pk__in=release_ids)}
    for change in page:
        change.release = releases.get(change.object_id) if change.action == RoadmapChange.Action.RELEASED else None
    return render(
        request,
        "roadmap/changes.html",
        {
            "roadmap": roadmap,
            "page": page,
            "releases": roadmap.releases.order_by("-published_at")[:5],
        },
    )
