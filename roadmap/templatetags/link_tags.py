"""How long ago a link was checked, in the words of a step page."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def days_ago(moment) -> str:
    """ "today", "yesterday", "3 days ago"; the date itself once it is more than a month old.

    Days, not hours: a cached step page stays right for the rest of the day it was made.
    """
    if moment is None:
        return ""
    days = (timezone.localdate() - timezone.localdate(moment)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days <= 31:
        return f"{days} days ago"
    return f"on {date_format(timezone.localtime(moment), 'j M Y')}"
