"""Reads for the monthly reminder: who gets it, and what it says.

The context of the email is built by `reminder_context` with the same selectors the dashboard uses
(progress_for, plan_status, next_topics, portfolio_metrics); `reminder_batch` makes the reads of a
whole batch of users at once. The roadmap's changes are summarised in `accounts.reminder_changes`;
the message is put together and sent by `accounts.mail`; the writes live in
`accounts.reminder_services`.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.mail import absolute_url, build_email, make_message_id, site_domain
from accounts.models import ReminderDelivery, User
from accounts.reminder_changes import CHANGES_SCANNED, changes_digest, releases_by_id
from accounts.unsubscribe import make_token
from portfolio.metrics import PROJECTS_NEEDED
from portfolio.selectors import portfolio_metrics, portfolio_metrics_for
from roadmap import hooks
from roadmap import selectors as roadmap_selectors
from roadmap.models import RoadmapChange, TopicProgress
from roadmap.plan import plan_phases, plan_status, topic_hours

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z")

COMPLETED_SHOWN = 5
NEXT_TOPICS = 3
# Contract URLs (DESIGN.md) owned by other parts of the site.
SETTINGS_PATH = "/settings/#reminders"
PORTFOLIO_PATH = "/portfolio/"


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
    or one that is pending or failed with attempts left (not one being sent, sent, skipped, or
    whose fate is unknown). A values_list, so that callers can stream it with .iterator()."""
    deliveries = ReminderDelivery.objects.filter(user_id=OuterRef("pk"), period=period)
    return (
        eligible_users()
        .filter(~Exists(deliveries) | Exists(deliveries.claimable()))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- what it says -------------------------------------------------------------------------------


def unsubscribe_url(user) -> str:
    return absolute_url(reverse("reminders:unsubscribe", kwargs={"token": make_token(user)}))


def site_links(roadmap) -> dict:
    """The links every email carries, the same for everyone (a batch works them out once)."""
    links = {
        "dashboard_url": absolute_url(reverse("dashboard")),
        "settings_url": absolute_url(SETTINGS_PATH),
        "portfolio_url": absolute_url(PORTFOLIO_PATH),
    }
    if roadmap is not None:
        links["roadmap_url"] = absolute_url(roadmap.get_absolute_url())
        links["changes_url"] = absolute_url(reverse("roadmap:changes", kwargs={"slug": roadmap.slug}))
        links["ideas_url"] = absolute_url(reverse("roadmap:projects", kwargs={"slug": roadmap.slug}))
        links["review_url"] = absolute_url(reverse("practice:review"))
    return links


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
    published projects; the roadmap's topics, phases, topic hours and changes since the earliest
    previous reminder.
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
    hours: dict | None = None
    reviews_due: dict = field(default_factory=dict)
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
    batch.hours = topic_hours(roadmap)
    # Topics due for review on each learner's own day (one query for the batch, through roadmap.hooks).
    batch.reviews_due = hooks.reviews_due_for_users({user.pk: user.today() for user in users})
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
        batch.releases = releases_by_id(roadmap, release_ids) if release_ids else {}
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
    # A learner who joined last month (or since) is welcomed, not told they completed nothing.
    context["joined_on"] = timezone.localdate(user.date_joined, user.zone)
    context["new_learner"] = context["joined_on"] >= last_month_start
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
    context["reviews_due"] = batch.reviews_due.get(user.pk, 0) if shared else hooks.reviews_due(user)
    context["review_url"] = links["review_url"]
    context["plan"] = plan_status(
        user,
        roadmap,
        progress=progress,
        phases=batch.phases if shared else None,
        hours=batch.hours if shared else None,
    )
    step_urls = batch.step_urls if shared else {}
    context["next_topics"] = []
    for topic in roadmap_selectors.next_topics(
        user, roadmap, limit=NEXT_TOPICS, progress=progress, topics=batch.topics if shared else None
    ):
        if topic.step_id not in step_urls:
            step_urls[topic.step_id] = absolute_url(topic.step.get_absolute_url())
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


def build_reminder_message(user, *, period: str, roadmap=None, batch: ReminderBatch | None = None):
    """The monthly reminder to `user` for `period` (an EmailMultiAlternatives): plain text + HTML,
    RFC 8058 one-click unsubscribe headers, and a Message-ID fixed by (user, period)."""
    context = reminder_context(user, period=period, roadmap=roadmap, batch=batch)
    return build_email(
        name="monthly_reminder",
        context=context,
        to=[user.email],
        message_id=make_message_id("reminder", period, user.pk),
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Monthly update <monthly.{site_domain()}>",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
