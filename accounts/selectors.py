"""Reads about one learner: success metrics, activity, and everything we hold about them (export)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.dispatch import Signal
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.models import ApiToken, ReminderDelivery, User
from portfolio.metrics import success_metrics
from portfolio.selectors import projects_for_export
from roadmap import hooks
from roadmap import selectors as roadmap_selectors
from roadmap.models import Roadmap, TopicProgress
from roadmap.plan import plan_status

EXPORT_FORMAT_VERSION = 1
# Apps above accounts add their own sections to a learner's export (accounts never imports them):
# a receiver takes `user` and returns (section name, JSON-ready data).
export_sections = Signal()


def dashboard(user, roadmap: Roadmap, *, today: date) -> dict:
    """Everything the learner's dashboard shows about their progress through `roadmap` on `today` (their
    local date). A fixed number of queries, whatever the amount of content or progress."""
    progress = roadmap_selectors.progress_for(user, roadmap)
    phases = roadmap_selectors.phases_with_steps(roadmap)
    # Self-check scores and reviews come from the app above accounts, through roadmap.hooks.
    checks = hooks.check_scores(user, roadmap)
    questions = roadmap_selectors.question_counts(roadmap)
    steps = [step for phase in phases for step in phase.step_list]
    for step in steps:
        step.check = checks.get(step.pk)
        step.question_count = questions.get(step.pk, 0)
    with_check = [step for step in steps if step.question_count]
    plan = plan_status(user, roadmap, today=today, progress=progress, steps=steps)
    # Each phase's days at the learner's pace, for the plan's timeline.
    spans = {m.id: m for m in plan.milestones if m.kind == "phase"}
    for phase in plan.phases:
        span = spans.get(phase.pk)
        phase.plan_start, phase.plan_finish = (span.start, span.finish) if span else (None, None)
    return {
        "roadmap": roadmap,
        "progress": progress,
        "started": bool(progress.status),
        "phases": phases,
        "plan": plan,
        "next_topics": roadmap_selectors.next_topics(user, roadmap, progress=progress),
        "activity": activity(user, today=today),
        "recent": recent_completions(user, roadmap),
        "metrics": success_metrics(user, roadmap, progress=progress, checks=checks),
        "checks": {
            "steps": len(with_check),
            "taken": sum(1 for step in with_check if step.check),
            "passed": sum(1 for step in with_check if step.check and step.check.passed),
        },
        "reviews_due": hooks.reviews_due(user, today=today),
    }


# --- activity ---------------------------------------------------------------------------------


def completions_by_day(user, *, since: date, until: date) -> Counter:
    """How many topics the learner finished (done: a skipped topic is not finished) on each day from
    `since` to `until` inclusive, the days counted in the learner's own time zone. One query."""
    tz = user.zone
    # A day in the learner's zone can start up to 14 hours before or after UTC midnight: widen, then cut.
    start = datetime.combine(since, time.min, tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
    stamps = TopicProgress.objects.filter(
        user=user, completed_at__gte=start, completed_at__lt=end, status=TopicProgress.Status.DONE
    ).values_list("completed_at", flat=True)
    return Counter(timezone.localtime(stamp, tz).date() for stamp in stamps)


@dataclass
class HeatmapDay:
    day: date
    count: int
    level: int  # 0 (nothing) to 4 (busiest)
    in_range: bool = True

    # Ready-made texts for the cell: the template shows 371 of them, and date filters in that loop
    # were most of the dashboard's rendering time.
    @property
    def css_class(self) -> str:
        return f"level-{self.level}" if self.in_range else f"level-{self.level} out-of-range"

    @property
    def title(self) -> str:
        return f"{self.day:%a %-d %b %Y}: {self.count} topic{pluralize(self.count)}"

    @property
    def label(self) -> str:
        """What a screen reader hears for the cell: the date and count of a day with activity only."""
        return f"{self.day:%-d %b %Y}: {self.count}" if self.count else ""


def activity(user, *, today: date | None = None) -> dict:
    """The dashboard's activity block, in the learner's time zone: topics completed in the last 30 days,
    and a 12-month heatmap as weeks (columns, Monday first) of 7 HeatmapDays each (also flat, as
    `days`), with `week_labels`: the month label of each week column. One query."""
    today = today or user.today()
    first = today - timedelta(days=364)
    counts = completions_by_day(user, since=first, until=today)
    month_ago = today - timedelta(days=29)
    last_30 = sum(count for day, count in counts.items() if day >= month_ago)
    busiest = max(counts.values(), default=0)

    def level(count):
        if not count:
            return 0
        return min(4, 1 + (3 * (count - 1)) // max(busiest - 1, 1)) if busiest > 1 else 1

    grid_start = first - timedelta(days=first.weekday())
    weeks, day = [], grid_start
    while day <= today:
        week = []
        for _ in range(7):
            count = counts.get(day, 0)
            week.append(HeatmapDay(day=day, count=count, level=level(count), in_range=first <= day <= today))
            day += timedelta(days=1)
        weeks.append(week)
    months = []
    for index, week in enumerate(weeks):
        first_of_month = next((d.day for d in week if d.day.day == 1 and d.in_range), None)
        if first_of_month:
            months.append({"week": index, "label": first_of_month.strftime("%b")})
    # Label the partial first month too, when there is room before the next label.
    if not months or months[0]["week"] >= 3:
        months.insert(0, {"week": 0, "label": first.strftime("%b")})
    week_labels = [""] * len(weeks)
    for month in months:
        week_labels[month["week"]] = month["label"]
    return {
        "last_30_days": last_30,
        "active_days": sum(1 for count in counts.values() if count),
        "total_year": sum(counts.values()),
        "weeks": weeks,
        # The heatmap's cells column by column (week after week), as the grid lays them out.
        "days": [day for week in weeks for day in week],
        "months": months,
        # One label per week column: the month that starts in it, or "".
        "week_labels": week_labels,
        "first": first,
        "today": today,
    }


# --- export -----------------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value else None


def user_export(user: User) -> dict:
    """Everything we hold about the user, as one JSON-serialisable dict: profile, plan and switches,
    email addresses, connected accounts, two-factor methods (types only, no secrets), progress with
    notes, portfolio projects, reminder history and API token names (never keys or hashes)."""
    progress = (
        TopicProgress.objects.filter(user=user)
        .select_related("topic__step__roadmap")
        .order_by("topic__step__roadmap__slug", "topic__step__number", "topic__order", "topic_id")
    )
    export = {
        "format": "ai-engineer-roadmap-export",
        "version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "headline": user.headline,
            "bio": user.bio,
            "location": user.location,
            "github_username": user.github_username,
            "linkedin_url": user.linkedin_url,
            "website_url": user.website_url,
            "timezone": user.timezone,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "plan": {
            "start_date": _iso(user.plan_start_date),
            "effective_start_date": _iso(user.plan_start),
            "hours_per_week": user.hours_per_week,
        },
        "public_page": {
            "portfolio_public": user.portfolio_public,
            "show_progress": user.show_progress,
            "hidden_by_moderators": user.page_hidden,
            "hidden_reason": user.page_hidden_reason,
        },
        "reminders": {
            "monthly_email": user.reminders_opt_in,
            "history": [
                {
                    "period": delivery.period,
                    "status": delivery.status,
                    "attempts": delivery.attempts,
                    "sent_at": _iso(delivery.sent_at),
                    "created_at": _iso(delivery.created_at),
                }
                for delivery in ReminderDelivery.objects.filter(user=user).order_by("period")
            ],
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "connected_accounts": [
            {"provider": account.provider, "uid": account.uid, "date_joined": _iso(account.date_joined)}
            for account in SocialAccount.objects.filter(user=user).order_by("provider")
        ],
        "two_factor": [
            {"type": authenticator.type, "created_at": _iso(authenticator.created_at)}
            for authenticator in Authenticator.objects.filter(user=user).order_by("type")
        ],
        "progress": [
            {
                "roadmap": row.topic.step.roadmap.slug,
                "step": row.topic.step.slug,
                "step_title": row.topic.step.title,
                "topic": row.topic.slug,
                "topic_title": row.topic.title,
                "status": row.status,
                "note": row.note,
                "started_at": _iso(row.started_at),
                "completed_at": _iso(row.completed_at),
                "updated_at": _iso(row.updated_at),
            }
            for row in progress
        ],
        "projects": projects_for_export(user),
        "api_tokens": [
            {"name": token.name, "created_at": _iso(token.created_at), "last_used_at": _iso(token.last_used_at)}
            for token in ApiToken.objects.filter(user=user).order_by("created_at")
        ],
    }
    for _receiver, (name, data) in export_sections.send(sender=User, user=user):
        export[name] = data
    return export


def recent_completions(user, roadmap: Roadmap, *, days: int = 30, limit: int = 8) -> list[TopicProgress]:
    """The learner's most recently finished (done, not skipped) topics of the last `days` days, newest
    first. One query."""
    since = timezone.now() - timedelta(days=days)
    rows = list(
        TopicProgress.objects.filter(
            user=user,
            topic__step__roadmap=roadmap,
            status=TopicProgress.Status.DONE,
            completed_at__gte=since,
        )
        .select_related("topic__step")
        .order_by("-completed_at", "-id")[:limit]
    )
    for row in rows:
        row.topic.step.roadmap = roadmap
    return rows
