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


@register.filter
def markdown_inline(text):
    """Render a short Markdown string (guide content) to sanitised inline HTML."""
    from django.utils.safestring import mark_safe

    from roadmap.markdown import render_markdown

    html = render_markdown(text or "")
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    # render_markdown's output is sanitised by nh3, so it is safe to mark as such.
    return mark_safe(html)
