"""The private calendar feed: valid iCalendar (parsed back with the icalendar library), the plan's
milestones at the learner's pace and their review days, behind a revocable token."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from practice.models import CalendarFeed
from roadmap.models import Topic, TopicProgress
from roadmap.services import mark_topic

pytestmark = pytest.mark.django_db


def _feed(client, user):
    client.force_login(user)
    response = client.post("/review/calendar/", {"action": "create"})
    assert response.status_code == 302
    return CalendarFeed.objects.get(user=user)


def _parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    # RFC 5545 section 3.1: CRLF line breaks, lines folded at 75 octets.
    lines = response.content.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert b"\n" not in response.content.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(response.content)
    # RFC 5545: VERSION and PRODID are required; every event has UID, DTSTAMP and DTSTART.
    calendar.validate()
    assert calendar["VERSION"] == "2.0"
    for event in calendar.walk("VEVENT"):
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert name in event, (name, event)
    return calendar


def _events(calendar):
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_holds_each_phase_and_steps_start_and_finish_at_the_pace(client, roadmap, user):
    user.plan_start_date = date(2027, 1, 4)
    user.hours_per_week = 10
    user.save()
    feed = _feed(client, user)
    client.logout()  # a calendar app has no session: the token is enough
    events = _events(_parse(client.get(f"/calendar/{feed.token}.ics")))
    phase = events["Phase: Foundation"]
    assert phase.decoded("DTSTART") == date(2027, 1, 4)
    # 130 hours at 10 h/week: 13 weeks, 91 days; DTEND is the day after the last one.
    assert phase.decoded("DTEND") == date(2027, 1, 4) + timedelta(days=91)
    assert events["Start Step 1: Programming Fundamentals (Python)"].decoded("DTSTART") == date(2027, 1, 4)
    # Step 1 is 36 hours: 25.2 days, so it finishes on day 26.
    finish = events["Finish Step 1: Programming Fundamentals (Python)"]
    assert finish.decoded("DTSTART") == date(2027, 1, 4) + timedelta(days=25)
    assert str(finish["URL"]).endswith("/roadmaps/ai-engineer/steps/python/check/")
    assert "Phase: Advanced" in events
    # The optional step is not on the plan.
    assert not any("Reinforcement" in summary for summary in events)


def test_a_faster_pace_moves_the_milestones_earlier(client, roadmap, user):
    user.plan_start_date = date(2027, 1, 4)
    user.hours_per_week = 20
    user.save()
    feed = _feed(client, user)
    events = _events(_parse(client.get(f"/calendar/{feed.token}.ics")))
    assert events["Phase: Foundation"].decoded("DTEND") == date(2027, 1, 4) + timedelta(days=46)


def test_review_days_are_in_the_feed(client, roadmap, user):
    for slug in ("python-oop", "python-data-manipulation"):
        mark_topic(user=user, topic=Topic.objects.get(slug=slug), status="done")
    overdue = mark_topic(user=user, topic=Topic.objects.get(slug="sql-basic-queries"), status="done")
    TopicProgress.objects.filter(pk=overdue.pk).update(completed_at=timezone.now() - timedelta(days=10))
    feed = _feed(client, user)
    events = _events(_parse(client.get(f"/calendar/{feed.token}.ics")))
    today = user.today()
    assert events["Review 1 topic"].decoded("DTSTART") == today  # overdue: due today
    assert "Basic Queries" in str(events["Review 1 topic"]["DESCRIPTION"])
    assert events["Review 2 topics"].decoded("DTSTART") == today + timedelta(days=2)


def test_resetting_the_address_stops_the_old_one_and_turning_off_stops_all(client, roadmap, user):
    old = _feed(client, user).token
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    client.post("/review/calendar/", {"action": "reset"})
    new = CalendarFeed.objects.get(user=user).token
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    page = client.get("/review/calendar/").content.decode()
    assert f"/calendar/{new}.ics" in page
    assert "webcal://" in page
    response = client.post("/review/calendar/", {"action": "delete"}, follow=True)
    assert "Your calendar feed is off" in response.content.decode()
    assert client.get(f"/calendar/{new}.ics").status_code == 404
    assert not CalendarFeed.objects.exists()


def test_unknown_tokens_and_bad_actions_are_4xx(client, roadmap, user):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    client.force_login(user)
    assert client.post("/review/calendar/", {"action": "explode"}).status_code == 400
    assert client.get("/review/calendar/").status_code == 200
    client.logout()
    assert client.get("/review/calendar/").status_code == 302


def test_the_feed_of_an_inactive_account_is_gone(client, roadmap, user):
    feed = _feed(client, user)
    user.is_active = False
    user.save()
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 404
