"""`{% roadmap_map %}`: the roadmap map on a page, from what the page already has in its context
(roadmap, phases from selectors.phases_with_steps, and for a learner progress and plan)."""

from django import template

from roadmap.map import build_maps
from roadmap.plan import plan_status

register = template.Library()


@register.inclusion_tag("roadmap/_map.html", takes_context=True)
def roadmap_map(context, heading_id, compact=False):
    roadmap, phases, progress = context["roadmap"], context["phases"], context.get("progress")
    user = context.get("user")
    expected_phase_id = None
    if progress is not None and user is not None and user.is_authenticated:
        # The page's phases stand in for plan_phases(): no query.
        plan = context.get("plan") or plan_status(
            user, roadmap, progress=progress, phases=sorted(phases, key=lambda p: (p.start_month, p.order))
        )
        expected_phase_id = plan.expected_phase.pk if plan.expected_phase else None
    else:
        progress = None
    return {
        "maps": build_maps(roadmap, phases, progress=progress, expected_phase_id=expected_phase_id),
        "roadmap": roadmap,
        "user": user,
        "map_heading_id": heading_id,
        "compact": compact,
    }
