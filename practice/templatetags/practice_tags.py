"""The self-check's place on the step page: "checked: 6/7" next to the learner's progress, and the way
to the check for everyone."""

from django import template

from practice import selectors

register = template.Library()


@register.inclusion_tag("practice/_check_status.html", takes_context=True)
def step_check_status(context, step, *, compact=False):
    """The step's self-check: how many questions, and the learner's best score. Two queries at most."""
    request = context.get("request")
    user = getattr(request, "user", None)
    best = selectors.best_check(user, step) if user is not None and user.is_authenticated else None
    return {
        "step": step,
        "roadmap": step.roadmap,
        "question_count": selectors.question_count(step),
        "best": best,
        "compact": compact,
        "signed_in": bool(user and user.is_authenticated),
    }
