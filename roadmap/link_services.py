"""Link checks of the roadmap's resources and tools: recording what each check found, telling the
editors about newly broken links, and taking a moved link's new address.

A check result is not a content change. It is written with bulk updates (no signals, nothing in the
changelog), and the cached roadmap pages are made stale only when what a step page shows changed:
a link's state, or the day it was last verified or last checked. Taking a moved link's new address
*is* a content change, and lands in the changelog like an editor's edit.
"""

import dataclasses
import datetime
import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.cache import ROADMAP_SCOPE, bump
from roadmap import linkcheck
from roadmap.link_fields import LinkChecked, LinkState
from roadmap.linkcheck import LinkResult
from roadmap.models import Resource, RoadmapChange, Tool
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
State = LinkState
# The rows with a web address the checker asks, in the order the editors' email lists them.
LINKED = (Resource, Tool)


@dataclasses.dataclass
class LinkCheckReport:
    states: Counter = dataclasses.field(default_factory=Counter)
    newly_broken: list = dataclasses.field(default_factory=list)
    # Every row checked, as recorded.
    recorded: list = dataclasses.field(default_factory=list)
    emailed_to: list = dataclasses.field(default_factory=list)

    @property
    def checked(self) -> int:
        return len(self.recorded)


def _shown(item: LinkChecked) -> tuple:
    """What a page shows of a link's check: its state, the day it was last verified, and for a
    broken link the day it was last checked."""
    state = item.current_link_state
    verified = item.verified_at.date() if item.verified_at else None
    checked = item.checked_at.date() if state == State.BROKEN and item.checked_at else None
    return state, verified, checked


def link_apply_check(item: LinkChecked, result: LinkResult, *, now: datetime.datetime) -> None:
    """Set a row's check fields from one result (the instance only; the caller saves).

    A working answer resets the failures; a failure counts, and makes the link broken once it has
    failed twice at least BROKEN_AFTER apart; a "429 Too Many Requests" says nothing about the link
    and changes neither its state nor its count.
    """
    if item.checked_url != result.url:
        # The address changed since the last check: its history belongs to the old one.
        item.link_state, item.failures = State.UNCHECKED, 0
        item.first_failed_at = item.verified_at = item.broken_notified_at = None
    item.checked_url = result.url
    item.checked_at = now
    item.check_status = result.status
    item.check_error = result.error
    item.final_url = result.final_url[:2000]
    item.redirects = [list(hop) for hop in result.redirects]
    if result.inconclusive:
        return
    if result.ok:
        item.failures, item.first_failed_at, item.broken_notified_at = 0, None, None
        item.verified_at = now
        item.moved_to = result.moved_to[:2000]
        item.link_state = State.MOVED if item.moved_to else State.OK
        return
    item.failures += 1
    item.first_failed_at = item.first_failed_at or now
    item.moved_to = ""
    failed_long_enough = item.failures >= 2 and now - item.first_failed_at >= BROKEN_AFTER
    item.link_state = State.BROKEN if failed_long_enough or item.link_state == State.BROKEN else State.FAILING


@transaction.atomic
def link_results_record(*, items: list[LinkChecked], results: dict[str, LinkResult], now=None) -> LinkCheckReport:
    """Record the results of a check run on the resources and tools that were checked.

    Side effects: one bulk update of each model's check fields (no signals, no changelog entry);
    cached roadmap pages made stale once, and only if a page would now show something else.
    Returns a report: the rows checked, how many are in each state, which newly broke.
    """
    now = now or timezone.now()
    report = LinkCheckReport()
    shown_changed = False
    checked = defaultdict(dict)
    for item in items:
        if item.url in results:
            checked[type(item)][item.pk] = item.url
    for model in LINKED:
        if not checked[model]:
            continue
        # Read again, locked: a run takes minutes, and the rows may have changed meanwhile (an
        # editor's edit, the editors told). Each is matched to the result for the address it had
        # when checked.
        rows = list(model.objects.select_for_update(of=("self",)).filter(pk__in=checked[model]))
        for row in rows:
            result = results[checked[model][row.pk]]
            before_state, before_shown = row.current_link_state, _shown(row)
            link_apply_check(row, result, now=now)
            shown_changed = shown_changed or _shown(row) != before_shown
            if row.link_state == State.BROKEN and before_state != State.BROKEN:
                report.newly_broken.append(row)
            report.recorded.append(row)
            report.states[row.link_state] += 1
        # Only the check's own fields: an editor's change to the title or the address is kept.
        model.objects.bulk_update(rows, CHECK_FIELDS, batch_size=200)
    if shown_changed:
        bump(ROADMAP_SCOPE)
    return report


def _editor_addresses() -> list[str]:
    editors = get_user_model().objects.filter(groups__name=EDITORS_GROUP, is_active=True).exclude(email="")
    return sorted(set(editors.values_list("email", flat=True)))


def _broken_unreported() -> list[LinkChecked]:
    resources = Resource.objects.select_related("step").order_by("step__number", "order", "id")
    tools = Tool.objects.order_by("category", "order", "name")
    return [
        item
        for rows in (resources, tools)
        for item in rows.in_link_state(State.BROKEN).filter(broken_notified_at__isnull=True)
    ]


def links_broken_notify(*, now=None) -> list[str]:
    """Email the Editors group once about every broken link not reported yet.

    Side effects: one email (Django's email API) to every active editor, listing the links; those
    rows marked as reported. Nothing is sent, or marked, when nothing is pending or the group has
    nobody with an address. Returns the addresses written to.
    """
    now = now or timezone.now()
    pending = _broken_unreported()
    if not pending:
        return []
    recipients = _editor_addresses()
    if not recipients:
        logger.warning("%d broken links, but no editor with an email address to tell", len(pending))
        return []
    admin_urls = [
        f"{settings.SITE_URL}{reverse(f'admin:roadmap_{model._meta.model_name}_changelist')}?link_state={State.BROKEN}"
        for model in LINKED
        if any(isinstance(item, model) for item in pending)
    ]
    context = {
        "links": pending,
        "site_name": settings.SITE_NAME,
        "admin_urls": admin_urls,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("emails/links_broken_subject.txt", context).strip()
    body = render_to_string("emails/links_broken_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    for model in LINKED:
        model.objects.filter(pk__in=[item.pk for item in pending if isinstance(item, model)]).update(
            broken_notified_at=now
        )
    return recipients


def links_to_check() -> list[LinkChecked]:
    """Every resource, and every tool with an address."""
    return [*Resource.objects.select_related("step"), *Tool.objects.with_address()]


def links_check(
    *,
    items=None,
    timeout: float = linkcheck.DEFAULT_TIMEOUT,
    max_connections: int = linkcheck.DEFAULT_MAX_CONNECTIONS,
    per_host: int = linkcheck.DEFAULT_PER_HOST,
    now=None,
) -> LinkCheckReport:
    """Check the links of `items` (resources and tools; by default every one with an address), record
    the results, and email the editors about links that broke. `now` is the time recorded as the
    check's (default: now). An address that several rows share is asked once.

    Side effects: HTTP requests to each distinct address (see roadmap.linkcheck); the writes of
    link_results_record; the email of links_broken_notify.
    """
    items = links_to_check() if items is None else [item for item in items if item.url]
    results = linkcheck.check_urls_sync(
        [item.url for item in items], timeout=timeout, max_connections=max_connections, per_host=per_host
    )
    report = link_results_record(items=items, results=results, now=now)
    report.emailed_to = links_broken_notify(now=now)
    return report


@transaction.atomic
def link_use_moved_url(*, item: LinkChecked, actor=None) -> bool:
    """Replace a moved link's address (a resource's or a tool's) with the one it permanently
    redirects to.

    Side effects: the row's URL saved (a content change: cached pages go stale) and a "changed"
    entry in the changelog. When the check that found the move ended at that very address, the link
    counts as verified there. Returns False, changing nothing, when the link has not moved or its new
    address does not fit the URL field.
    """
    new_url = item.moved_to
    url_field = type(item)._meta.get_field("url")
    if item.current_link_state != State.MOVED or not new_url or len(new_url) > url_field.max_length:
        return False
    old_url = item.url
    item.url = new_url
    if item.final_url == new_url:
        item.checked_url, item.link_state, item.redirects = new_url, State.OK, []
    item.moved_to = ""
    item.save()
    record_change(
        roadmap=item.link_roadmap,
        obj=item,
        action=RoadmapChange.Action.CHANGED,
        fields=[{"field": "url", "old": old_url, "new": new_url}],
        actor=actor,
    )
    return True
