"""Reads for the monthly reminder: who gets it, and what it says.

The email is put together from three templates (`emails/monthly_reminder_subject.txt`, `_body.txt`,
`_body.html`) by one helper, `render_email`, from a context that `reminder_context` builds with the
same selectors the dashboard uses (progress_for, plan_status, next_topics, portfolio_metrics). The
writes (claiming a delivery, sending it, unsubscribing) live in `accounts.reminder_services`.
"""

import re
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ReminderDelivery, User
from accounts.unsubscribe import make_token
from portfolio.metrics import PROJECTS_NEEDED
from portfolio.selectors import portfolio_metrics, portfolio_metrics_for
from roadmap import selectors as roadmap_selectors
from roadmap.models import Release, RoadmapChange, TopicProgress
from roadmap.plan import plan_phases, plan_status

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z")

# How much of the changelog one email shows before pointing to the full page.
CHANGES_SHOWN = 8
CHANGES_PER_GROUP = 3
# How many changelog rows are read to build the summary (the counts beyond it are estimated by count()).
CHANGES_SCANNED = 500
COMPLETED_SHOWN = 5
NEXT_TOPICS = 3
# Contract URLs (DESIGN.md) owned by other parts of the site.
SETTINGS_PATH = "/settings/#reminders"
PORTFOLIO_PATH = "/portfolio/"

# The order and names in which content changes are grouped in the email.
CHANGE_GROUPS = {
    "roadmap": "Roadmap",
    "phase": "Phases",
    "step": "Steps",
    "topic": "Topics",
    "resource": "Resources",
    "tool": "Tools",
    "steptool": "Tools",
    "codeexample": "Code examples",
    "projectidea": "Project ideas",
}
ACTION_WORDS = {"created": "added", "changed": "updated", "deleted": "removed"}


# --- periods ----------------------------------------------------------------------------------


def current_period(now: datetime | None = None) -> str:
    """This month in UTC, as 'YYYY-MM'."""
    now = now or timezone.now()
    return now.astimezone(UTC).strftime("%Y-%m")


def parse_period(value: str | None) -> str:
    """A valid 'YYYY-MM' period (this month when empty); ValueError otherwise."""
    if not value:
        return current_period()
    if not PERIOD_RE.match(value):
        raise ValueError(f"{value!r} is not a month: use YYYY-MM, for example 2026-01.")
    return value


def _month_start(period: str) -> date:
    year, month = map(int, period.split("-"))
    return date(year, month, 1)


def previous_month_start(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def period_label(period: str) -> str:
    return _month_start(period).strftime("%B %Y")


# --- who gets it --------------------------------------------------------------------------------


def eligible_users():
    """Users who get the monthly reminder: active, opted in, and whose address is their verified
    primary address in allauth (we never write to an address nobody confirmed)."""
    verified = EmailAddress.objects.filter(
        user_id=OuterRef("pk"), primary=True, verified=True, email__iexact=OuterRef("email")
    )
    return User.objects.filter(is_active=True, reminders_opt_in=True).filter(Exists(verified))


def user_ids_to_remind(period: str):
    """Ids (ascending) of eligible users whose reminder for `period` is still to send: no delivery yet,
    or one that is pending, being sent, or failed with attempts left. A values_list, so that
    callers can stream it with .iterator()."""
    finished = ReminderDelivery.objects.filter(user_id=OuterRef("pk"), period=period).filter(
        Q(status__in=[ReminderDelivery.Status.SENT, ReminderDelivery.Status.SKIPPED])
        | Q(status=ReminderDelivery.Status.FAILED, attempts__gte=settings.REMINDER_MAX_ATTEMPTS)
    )
    return eligible_users().filter(~Exists(finished)).order_by("pk").values_list("pk", flat=True)


# --- what it says -------------------------------------------------------------------------------


def absolute(path: str) -> str:
    """The absolute address of a site path (emails are read outside the site)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(user) -> str:
    return absolute(reverse("reminders:unsubscribe", kwargs={"token": make_token(user)}))


def site_links(roadmap) -> dict:
    """The links every email carries, the same for everyone (a batch works them out once)."""
    links = {
        "dashboard_url": absolute(reverse("dashboard")),
        "settings_url": absolute(SETTINGS_PATH),
        "portfolio_url": absolute(PORTFOLIO_PATH),
    }
    if roadmap is not None:
        links["roadmap_url"] = absolute(roadmap.get_absolute_url())
        links["changes_url"] = absolute(reverse("roadmap:changes", kwargs={"slug": roadmap.slug}))
        links["ideas_url"] = absolute(reverse("roadmap:projects", kwargs={"slug": roadmap.slug}))
    return links


@dataclass
class ChangeItem:
    action: str
    title: str
    url: str = ""

    @property
    def word(self) -> str:
        return ACTION_WORDS.get(self.action, self.action)


@dataclass
class ChangeGroup:
    label: str
    counts: dict = field(default_factory=dict)
    items: list = field(default_factory=list)

    @property
    def summary(self) -> str:
        """e.g. "2 added, 1 updated"."""
        return ", ".join(f"{n} {ACTION_WORDS.get(action, action)}" for action, n in self.counts.items())


@dataclass
class ChangesDigest:
    """Roadmap changes since a moment: releases with their notes, then content changes grouped by kind,
    at most CHANGES_SHOWN items listed (`hidden` counts the rest)."""

    since: datetime | None
    releases: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    total: int = 0
    hidden: int = 0
    url: str = ""

    @property
    def empty(self) -> bool:
        return not self.releases and not self.groups


def changes_digest(
    roadmap, since: datetime | None, *, batch: "ReminderBatch | None" = None, url: str = ""
) -> ChangesDigest:
    """What changed in `roadmap` after `since`, summarised for an email. Three queries at most; none
    when `batch` holds the changes already."""
    digest = ChangesDigest(since=since, url=url or site_links(roadmap)["changes_url"])
    if batch is not None and batch.change_rows is not None:
        rows = [row[1:] for row in batch.change_rows if since is None or row[0] > since]
        releases = batch.releases
    else:
        rows = list(
            roadmap_selectors.changes_since(roadmap, since)
            .select_related(None)
            .values_list("action", "object_type", "object_id", "object_repr", "url")[:CHANGES_SCANNED]
        )
        releases = None
    if not rows:
        return digest
    release_ids = [object_id for action, _t, object_id, _r, _u in rows if action == RoadmapChange.Action.RELEASED]
    if release_ids:
        if releases is None:
            releases = _releases(roadmap, release_ids)
        digest.releases = [releases[i] for i in release_ids if i in releases]
    # Newest first: the first change seen of an object is its latest state; an object created in the
    # window is "added" whatever happened to it after, unless it is gone again.
    seen: dict[tuple[str, str], ChangeItem] = {}
    groups: dict[str, ChangeGroup] = {}
    for action, object_type, object_id, object_repr, url in rows:
        label = CHANGE_GROUPS.get(object_type)
        if label is None or action == RoadmapChange.Action.RELEASED:
            continue
        key = (object_type, object_id or object_repr)
        item = seen.get(key)
        if item is None:
            item = seen[key] = ChangeItem(action=action, title=object_repr, url=absolute(url) if url else "")
            groups.setdefault(label, ChangeGroup(label=label)).items.append(item)
        elif action == RoadmapChange.Action.CREATED and item.action != RoadmapChange.Action.DELETED:
            item.action = action
    order = list(dict.fromkeys(CHANGE_GROUPS.values()))
    shown = 0
    for label in order:
        group = groups.get(label)
        if group is None:
            continue
        for item in group.items:
            group.counts[item.action] = group.counts.get(item.action, 0) + 1
        group.counts = {a: group.counts[a] for a in ACTION_WORDS if a in group.counts}
        digest.total += len(group.items)
        room = max(0, min(CHANGES_PER_GROUP, CHANGES_SHOWN - shown))
        group.items = group.items[:room]
        shown += len(group.items)
        digest.groups.append(group)
    digest.hidden = digest.total - shown
    if len(rows) == CHANGES_SCANNED:
        # More changes than we read: say so rather than pretend the counts are complete.
        digest.hidden += roadmap_selectors.changes_since(roadmap, since).count() - CHANGES_SCANNED
    return digest


def _releases(roadmap, ids) -> dict:
    """{str(id): Release} with plain-text notes, for the releases among `ids`."""
    releases = Release.objects.filter(roadmap=roadmap, pk__in=[int(i) for i in ids if str(i).isdigit()])
    result = {}
    for release in releases:
        release.notes_text = _indented(release.notes)
        result[str(release.pk)] = release
    return result


def _indented(markdown: str, *, max_lines: int = 12, width: int = 74) -> str:
    """Release notes for the plain-text part: the Markdown as written (it reads well as text),
    wrapped and indented under their heading, cut after `max_lines` lines."""
    lines = []
    for line in markdown.strip().splitlines():
        wrapped = textwrap.wrap(line, width=width, subsequent_indent="  " if line.lstrip()[:2] in ("- ", "* ") else "")
        lines.extend(wrapped or [""])
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], "..."]
    return "\n".join(f"  {line}" if line else "" for line in lines)


def _previous_reminder_at(user, period: str) -> datetime | None:
    return (
        ReminderDelivery.objects.filter(
            user=user, period__lt=period, status=ReminderDelivery.Status.SENT, sent_at__isnull=False
        )
        .order_by("-period")
        .values_list("sent_at", flat=True)
        .first()
    )


def _local_bounds(user, start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end) as moments: midnights in the learner's time zone."""
    tz = user.zone
    return (
        datetime.combine(start, datetime.min.time(), tzinfo=tz),
        datetime.combine(end, datetime.min.time(), tzinfo=tz),
    )


def _completed_in(user, start: date, end: date) -> tuple[int, list]:
    """Topics the learner marked done in [start, end), dates in their time zone: (count, first few)."""
    return _completed_for_users([user], start, end)[user.pk]


def _completed_for_users(users, start: date, end: date) -> dict:
    """Topics each learner marked done in [start, end), dates in their own time zone, in one query:
    {user_id: (count, first few titles)}. Reads from the earliest of their local starts to the latest
    of their local ends, then keeps each learner's own window."""
    bounds = {user.pk: _local_bounds(user, start, end) for user in users}
    result: dict = {user_id: (0, []) for user_id in bounds}
    if not bounds:
        return result
    rows = (
        TopicProgress.objects.filter(
            user_id__in=list(bounds),
            status=TopicProgress.Status.DONE,
            completed_at__gte=min(low for low, _high in bounds.values()),
            completed_at__lt=max(high for _low, high in bounds.values()),
        )
        .order_by("completed_at", "pk")
        .values_list("user_id", "completed_at", "topic__title")
    )
    for user_id, completed_at, title in rows:
        low, high = bounds[user_id]
        if low <= completed_at < high:
            count, titles = result[user_id]
            if len(titles) < COMPLETED_SHOWN:
                titles.append(title)
            result[user_id] = (count + 1, titles)
    return result


def _first_since(user, period: str) -> datetime:
    """A first reminder covers the last month at most, not everything since the roadmap was loaded."""
    last_month_start = previous_month_start(_month_start(period))
    return max(user.date_joined, datetime.combine(last_month_start, datetime.min.time(), tzinfo=UTC))


@dataclass
class ReminderBatch:
    """Every read of one batch's emails, made once for the batch (about ten queries per batch instead
    of about ten per email): each user's previous reminder, last month's completions, progress and
    published projects; the roadmap's topics, phases and changes since the earliest previous reminder.
    The calculations on these (progress, plan, next topics) are the dashboard's own selectors."""

    period: str
    previous: dict = field(default_factory=dict)
    completed: dict = field(default_factory=dict)
    change_rows: list | None = None
    releases: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    portfolio: dict = field(default_factory=dict)
    topics: dict | None = None
    phases: list | None = None
    links: dict = field(default_factory=dict)
    step_urls: dict = field(default_factory=dict)


def reminder_batch(users, *, period: str, roadmap) -> ReminderBatch:
    batch = ReminderBatch(period=period, links=site_links(roadmap))
    month_start = _month_start(period)
    batch.completed = _completed_for_users(users, previous_month_start(month_start), month_start)
    previous = (
        ReminderDelivery.objects.filter(
            user__in=[u.pk for u in users],
            period__lt=period,
            status=ReminderDelivery.Status.SENT,
            sent_at__isnull=False,
        )
        .order_by("period")
        .values_list("user_id", "sent_at")
    )
    batch.previous = dict(previous)  # ascending periods: the latest wins
    if roadmap is None or not users:
        return batch
    user_ids = [user.pk for user in users]
    batch.progress = roadmap_selectors.progress_for_users(user_ids, roadmap)
    batch.topics = roadmap_selectors.topics_by_id(roadmap)
    batch.phases = plan_phases(roadmap)
    batch.portfolio = portfolio_metrics_for(user_ids)
    since = min(batch.previous.get(u.pk) or _first_since(u, period) for u in users)
    rows = list(
        roadmap_selectors.changes_since(roadmap, since)
        .select_related(None)
        .values_list("created_at", "action", "object_type", "object_id", "object_repr", "url")[: CHANGES_SCANNED + 1]
    )
    if len(rows) <= CHANGES_SCANNED:
        # Otherwise each email reads (and counts) its own changes.
        batch.change_rows = rows
        release_ids = [row[3] for row in rows if row[1] == RoadmapChange.Action.RELEASED]
        batch.releases = _releases(roadmap, release_ids) if release_ids else {}
    return batch


def reminder_context(user, *, period: str, roadmap=None, batch: ReminderBatch | None = None) -> dict:
    """Everything the monthly email says to `user` for `period`, computed by the dashboard's own
    selectors. About a dozen queries, whatever the amount of content or progress; none for a user of
    `batch` (reminder_batch has read it all)."""
    roadmap = roadmap or roadmap_selectors.default_roadmap()
    # A batch holds everything about its own users; a user outside it (or no batch) is read alone.
    batch = batch if batch is not None and user.pk in batch.completed else None
    links = batch.links if batch is not None else site_links(roadmap)
    month_start = _month_start(period)
    last_month_start = previous_month_start(month_start)
    context = {
        "user": user,
        "name": user.display_name or user.username,
        "period": period,
        "period_label": period_label(period),
        "last_month_label": last_month_start.strftime("%B"),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "roadmap": roadmap,
        "dashboard_url": links["dashboard_url"],
        "settings_url": links["settings_url"],
        "portfolio_url": links["portfolio_url"],
        "unsubscribe_url": unsubscribe_url(user),
    }
    since = batch.previous.get(user.pk) if batch is not None else _previous_reminder_at(user, period)
    context["first_reminder"] = since is None
    if batch is not None:
        context["completed_count"], context["completed_titles"] = batch.completed[user.pk]
    else:
        context["completed_count"], context["completed_titles"] = _completed_in(user, last_month_start, month_start)
    context["completed_more"] = context["completed_count"] - len(context["completed_titles"])
    if roadmap is None:
        return context

    shared = batch is not None and user.pk in batch.progress
    progress = batch.progress[user.pk] if shared else roadmap_selectors.progress_for(user, roadmap)
    context["roadmap_url"] = links["roadmap_url"]
    context["changes"] = changes = changes_digest(
        roadmap, since or _first_since(user, period), batch=batch, url=links["changes_url"]
    )
    context["changes_count"] = changes.total + len(changes.releases)
    context["progress"] = progress.overall
    context["plan"] = plan_status(user, roadmap, progress=progress, phases=batch.phases if shared else None)
    step_urls = batch.step_urls if shared else {}
    context["next_topics"] = []
    for topic in roadmap_selectors.next_topics(
        user, roadmap, limit=NEXT_TOPICS, progress=progress, topics=batch.topics if shared else None
    ):
        if topic.step_id not in step_urls:
            step_urls[topic.step_id] = absolute(topic.step.get_absolute_url())
        url = f"{step_urls[topic.step_id]}#topic-{topic.slug}"
        context["next_topics"].append({"title": topic.title, "step": topic.step.title, "url": url})
    metrics = batch.portfolio[user.pk] if shared else portfolio_metrics(user)
    context["portfolio"] = {
        "published": metrics["published_projects"],
        "live": metrics["live_demo_projects"],
        "needed": PROJECTS_NEEDED,
        "ideas_url": links["ideas_url"],
    }
    return context


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of `templates/emails/<name>_subject.txt`, `_body.txt` and `_body.html`."""
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    text = render_to_string(f"emails/{name}_body.txt", context)
    # Blank lines left by template tags make the plain text look broken: keep at most one.
    text = re.sub(r"\n[ \t]*(\n[ \t]*)+\n", "\n\n", text).strip() + "\n"
    html = render_to_string(f"emails/{name}_body.html", context)
    return subject, text, html


def _message_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def build_reminder_message(
    user, *, period: str, roadmap=None, connection=None, batch: ReminderBatch | None = None
) -> EmailMultiAlternatives:
    """The monthly reminder to `user` for `period`: plain text + HTML, RFC 8058 one-click unsubscribe
    headers, and a Message-ID fixed by (user, period), so that a copy sent twice by accident is
    recognisable as the same message by mail systems that deduplicate."""
    context = reminder_context(user, period=period, roadmap=roadmap, batch=batch)
    subject, text, html = render_email("monthly_reminder", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Monthly update <monthly.{_message_domain()}>",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "Message-ID": f"<reminder.{period}.{user.pk}@{_message_domain()}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
