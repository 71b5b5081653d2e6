"""The board's cells, written in Python: a 50-row page of the member x step board has about a
thousand of them, and the same markup through the template language was most of the page's time."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


def level(counts) -> int:
    """0 (nothing) to 4 (the whole step), for the cell's shade."""
    if not counts.done:
        return 0
    if counts.percent >= 100:
        return 4
    return 3 if counts.percent >= 67 else 2 if counts.percent >= 34 else 1


@register.simple_tag
def board_cells(row, steps_labels):
    """The <td> cells of one member's row: each step's percentage done, with the step's title and
    counts on hover and for screen readers. `steps_labels` comes from `step_labels` (escaped once)."""
    cells = []
    for (_step, counts), (number, title) in zip(row.cells, steps_labels, strict=True):
        cells.append(
            f'<td class="cell level-{level(counts)}" title="{title}: {counts.done} of {counts.total}">'
            f'<span class="visually-hidden">Step {number}: </span>{counts.percent}</td>'
        )
    # Safe: numbers, and titles escaped by step_labels.
    return mark_safe("".join(cells))


@register.simple_tag
def step_labels(steps):
    """[(number, escaped title)] of the board's steps, for board_cells."""
    return [(step.number, escape(step.title)) for step in steps]


PLAN_BADGES = {
    "behind": "badge-warning",
    "ahead": "badge-success",
    "finished": "badge-success",
    "on_track": "badge-accent",
    "not_started": "",
}
PLAN_LABELS = {"on_track": "On plan", "not_started": "Not started"}


@register.simple_tag
def plan_badge(plan):
    """A member's plan status as a badge: "On plan", "Behind by 3 weeks", "Ahead by 2 weeks"..."""
    return format_html(
        '<span class="badge plan-badge {}">{}</span>',
        PLAN_BADGES.get(plan.state, ""),
        PLAN_LABELS.get(plan.state, plan.summary),
    )
