from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key` -- a dict lookup with a variable key; missing keys give None."""
    if mapping is None:
        return None
    if hasattr(mapping, "get"):
        return mapping.get(key)
    return None


@register.filter
def step_counts(progress, step_id):
    """Counts of done topics for a step, from a RoadmapProgress (or None when signed out)."""
    return progress.step(step_id) if progress else None


@register.filter
def phase_counts(progress, phase_id):
    return progress.phase(phase_id) if progress else None


@register.filter
def topic_state(progress, topic_id):
    return progress.state_of(topic_id) if progress else "not_started"
