"""Link checks of the roadmap's resources: recording what each check found, telling the editors about
newly broken links, and taking a moved link's new address.

A check result is not a content change. It is written with bulk updates (no signals, nothing in the
changelog), and the cached roadmap pages are made stale only when what a step page shows changed:
a link's state, or the day it was last verified or last checked. Taking a moved link's new address
*is* a content change, and lands in the changelog like an editor's edit.
"""

import dataclasses
import datetime
import logging
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.cache import ROADMAP_SCOPE, bump
from roadmap import linkcheck
from roadmap.linkcheck import LinkResult
from roadmap.models import Resource, RoadmapChange
from roadmap.services import record_change

logger = logging.getLogger(__name__)

# A link is broken when it has failed twice, at least this far apart: one hiccup is no alarm.
BROKEN_AFTER = datetime.timedelta(days=1)
EDITORS_GROUP = "Editors"
CHECK_FIELDS = [
    "link_state",
    "checked_url",
    "checked_at",
    "check_status",
    "check_error",
    "final_url",
    "moved_to",
    "redirects",
    "failures",
    "first_failed_at",
    "verified_at",
    "broken_notified_at",
]
State = Resource.LinkState


@dataclasses.dataclass
class LinkCheckReport:
    checked: int = 0
    states: Counter = dataclasses.field(default_factory=Counter)
    newly_broken: list = dataclasses.field(default_factory=list)
    emailed_to: list = dataclasses.field(default_factory=list)


def _shown(resource: Resource) -> tuple:
    """What a step page shows of a resource's check: its state, the day it was last verified, and for
    a broken link the day it was last checked."""
    state = resource.current_link_state
    verified = resource.verified_at.date() if resource.verified_at else None
    checked = resource.checked_at.date() if state == State.BROKEN and resource.checked_at else None
    return state, verified, checked


def resource_apply_check(resource: Resource, result: LinkResult, *, now: datetime.datetime) -> None:
    """Set a resource's check fields from one result (the instance only; the caller saves).

    A working answer resets the failures; a failure counts, and makes the link broken once it has
    failed twice at least BROKEN_AFTER apart; a "429 Too Many Requests" says nothing about the link
    and changes neither its state nor its count.
    """
    if resource.checked_url != result.url:
        # The address changed since the last check: its history belongs to the old one.
        resource.link_state, resource.failures = State.UNCHECKED, 0
        resource.first_failed_at = resource.verified_at = resource.broken_notified_at = None
    resource.checked_url = result.url
    resource.checked_at = now
    resource.check_status = result.status
    resource.check_error = result.error
    resource.final_url = result.final_url[:2000]
    resource.redirects = [list(hop) for hop in result.redirects]
    if result.inconclusive:
        return
    if result.ok:
        resource.failures, resource.first_failed_at, resource.broken_notified_at = 0, None, None
        resource.verified_at = now
        resource.moved_to = result.moved_to[:2000]
        resource.link_state = State.MOVED if resource.moved_to else State.OK
        return
    resource.failures += 1
    resource.first_failed_at = resource.first_failed_at or now
    resource.moved_to = ""
    failed_long_enough = resource.failures >= 2 and now - resource.first_failed_at >= BROKEN_AFTER
    resource.link_state = State.BROKEN if failed_long_enough or resource.link_state == State.BROKEN else State.FAILING


@transaction.atomic
def link_results_record(*, resources: list[Resource], results: dict[str, LinkResult], now=None) -> LinkCheckReport:
    """Record the results of a check run on the resources that were checked.

    Side effects: one bulk update of the resources' check fields (no signals, no changelog entry);
    cached roadmap pages made stale once, and only if a step page would now show something else.
    Returns a report: how many were checked, how many are in each state, which newly broke.
    """
    now = now or timezone.now()
    report = LinkCheckReport()
    shown_changed = False
    # Read again, locked: a run takes minutes, and the rows may have changed meanwhile (an editor's
    # edit, the editors told). Each is matched to the result for the address it had when checked.
    checked = {r.pk: r.url for r in resources if r.url in results}
    rows = Resource.objects.select_for_update(of=("self",)).filter(pk__in=checked).select_related("step")
    resources = list(rows)
    for resource in resources:
        result = results[checked[resource.pk]]
        before_state, before_shown = resource.current_link_state, _shown(resource)
        resource_apply_check(resource, result, now=now)
        shown_changed = shown_changed or _shown(resource) != before_shown
        if resource.link_state == State.BROKEN and before_state != State.BROKEN:
            report.newly_broken.append(resource)
        report.checked += 1
        report.states[resource.link_state] += 1
    # Only the check's own fields: an editor's change to the title or the address is kept.
    Resource.objects.bulk_update(resources, CHECK_FIELDS, batch_size=200)
    if shown_changed:
        bump(ROADMAP_SCOPE)
    return report


def _editor_addresses() -> list[str]:
    editors = get_user_model().objects.filter(groups__name=EDITORS_GROUP, is_active=True).exclude(email="")
    return sorted(set(editors.values_list("email", flat=True)))


def links_broken_notify(*, now=None) -> list[str]:
    """Email the Editors group once about every broken link not reported yet.

    Side effects: one email (Django's email API) to every active editor, listing the links; those
    resources marked as reported. Nothing is sent, or marked, when nothing is pending or the group
    has nobody with an address. Returns the addresses written to.
    """
    now = now or timezone.now()
    pending = list(
        Resource.objects.in_link_state(State.BROKEN)
        .filter(broken_notified_at__isnull=True)
        .select_related("step")
        .order_by("step__number", "order", "id")
    )
    if not pending:
        return []
    recipients = _editor_addresses()
    if not recipients:
        logger.warning("%d broken links, but no editor with an email address to tell", len(pending))
        return []
    admin_url = reverse("admin:roadmap_resource_changelist")
    context = {
        "resources": pending,
        "site_name": settings.SITE_NAME,
        "admin_url": f"{settings.SITE_URL}{admin_url}?link_state={State.BROKEN}",
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("emails/links_broken_subject.txt", context).strip()
    body = render_to_string("emails/links_broken_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    Resource.objects.filter(pk__in=[r.pk for r in pending]).update(broken_notified_at=now)
    return recipients


def links_check(
    *,
    resources=None,
    timeout: float = linkcheck.DEFAULT_TIMEOUT,
    max_connections: int = linkcheck.DEFAULT_MAX_CONNECTIONS,
    per_host: int = linkcheck.DEFAULT_PER_HOST,
    now=None,
) -> LinkCheckReport:
    """Check the links of `resources` (every resource by default), record the results, and email the
    editors about links that broke. `now` is the time recorded as the check's (default: now).

    Side effects: HTTP requests to each distinct address (see roadmap.linkcheck); the writes of
    link_results_record; the email of links_broken_notify.
    """
    resources = list(Resource.objects.all() if resources is None else resources)
    results = linkcheck.check_urls_sync(
        [r.url for r in resources], timeout=timeout, max_connections=max_connections, per_host=per_host
    )
    report = link_results_record(resources=resources, results=results, now=now)
    report.emailed_to = links_broken_notify(now=now)
    return report


@transaction.atomic
def resource_use_moved_url(*, resource: Resource, actor=None) -> bool:
    """Replace a moved link's address with the one it permanently redirects to.

    Side effects: the resource's URL saved (a content change: cached pages go stale) and a "changed"
    entry in the changelog. When the check that found the move ended at that very address, the link
    counts as verified there. Returns False, changing nothing, when the link has not moved or its new
    address does not fit the URL field.
    """
    new_url = resource.moved_to
    url_field = Resource._meta.get_field("url")
    if resource.current_link_state != State.MOVED or not new_url or len(new_url) > url_field.max_length:
        return False
    old_url = resource.url
    resource.url = new_url
    if resource.final_url == new_url:
        resource.checked_url, resource.link_state, resource.redirects = new_url, State.OK, []
    resource.moved_to = ""
    resource.save()
    record_change(
        roadmap=resource.step.roadmap,
        obj=resource,
        action=RoadmapChange.Action.CHANGED,
        fields=[{"field": "url", "old": old_url, "new": new_url}],
        actor=actor,
    )
    return True
