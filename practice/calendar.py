"""The learner's private calendar feed (RFC 5545, written with the icalendar library): the plan's
milestones at their pace (each phase, each step's expected start and finish) and the days with topics
due for review. All-day events, so that every calendar app shows them on the learner's own dates."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from practice import selectors
from roadmap.plan import plan_milestones

PRODID = "-//AI Engineer Roadmap//Plan and reviews//EN"
# Review days shown ahead of today (the schedule beyond is not known yet: it depends on the reviews).
REVIEW_DAYS_AHEAD = 400


def _event(*, uid: str, day, last_day=None, summary: str, description: str = "", url: str = "", stamp) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    # An all-day event's end is exclusive: the day after its last day.
    event.add("dtend", (last_day or day) + timedelta(days=1))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    # Milestones and reviews do not make the learner busy.
    event.add("transp", "TRANSPARENT")
    return event


def feed_ics(user, roadmap, *, base_url: str) -> bytes:
    """The calendar as iCalendar bytes. `base_url` ("https://host/") makes the links absolute."""
    base_url = base_url.rstrip("/")
    domain = base_url.split("://", 1)[-1] or "localhost"
    stamp = timezone.now().replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{settings.SITE_NAME}: my plan")
    calendar.add("x-wr-caldesc", "Your plan's phases and steps at your weekly pace, and your review days.")
    # How often a calendar app should look again (a hint some apps follow).
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")

    if roadmap is not None:
        plan = plan_milestones(user, roadmap)
        for milestone in plan.milestones:
            if milestone.kind == "phase":
                calendar.add_component(
                    _event(
                        uid=f"phase-{milestone.id}-{user.pk}@{domain}",
                        day=milestone.start,
                        last_day=milestone.finish,
                        summary=f"Phase: {milestone.title}",
                        description=f"About {milestone.hours} hours at {plan.hours_per_week} h/week.",
                        url=f"{base_url}{roadmap.get_absolute_url()}",
                        stamp=stamp,
                    )
                )
                continue
            step_url = f"{base_url}/roadmaps/{roadmap.slug}/steps/{milestone.slug}/"
            label = f"Step {milestone.number}: {milestone.title}"
            calendar.add_component(
                _event(
                    uid=f"step-{milestone.id}-start-{user.pk}@{domain}",
                    day=milestone.start,
                    summary=f"Start {label}",
                    description=f"About {milestone.hours} hours at {plan.hours_per_week} h/week; the plan expects "
                    f"it finished on {milestone.finish:%-d %B %Y}.",
                    url=step_url,
                    stamp=stamp,
                )
            )
            calendar.add_component(
                _event(
                    uid=f"step-{milestone.id}-finish-{user.pk}@{domain}",
                    day=milestone.finish,
                    summary=f"Finish {label}",
                    description="Then take its self-check.",
                    url=f"{step_url}check/",
                    stamp=stamp,
                )
            )

    today = user.today()
    for day, rows in selectors.review_calendar(user, today=today):
        if day > today + timedelta(days=REVIEW_DAYS_AHEAD):
            break
        titles = [row.topic.title for row in rows]
        calendar.add_component(
            _event(
                uid=f"review-{day:%Y%m%d}-{user.pk}@{domain}",
                day=day,
                summary=f"Review {len(rows)} topic{'' if len(rows) == 1 else 's'}",
                description="Due for review: " + "; ".join(titles),
                url=f"{base_url}/review/",
                stamp=stamp,
            )
        )
    return calendar.to_ical()
