"""The monthly reminder's operations: the send_reminders and preview_reminder commands, every link
in the email, the admin (deliveries, preview, "Send again") and the beat schedule."""

from datetime import UTC, datetime
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import resolve
from django.utils import timezone

from accounts.models import ReminderDelivery
from accounts.reminders import (
    build_reminder_message,
)
from roadmap.models import RoadmapChange, Topic, TopicProgress
from roadmap.services import mark_topic, record_change, release_publish
from tests.accounts.conftest import PERIOD, learner
from tests.factories import ProjectFactory

Status = ReminderDelivery.Status
pytestmark = pytest.mark.usefixtures("tasks_in_process")


def _html(message):
    return message.alternatives[0][0]


# --- commands ---------------------------------------------------------------------------------------


def test_send_reminders_dry_run_lists_and_sends_nothing(ai_roadmap, db):
    learner("alice"), learner("bob"), learner("optout", opted_in=False)
    out = StringIO()

    call_command("send_reminders", "--period", PERIOD, "--dry-run", stdout=out)

    assert out.getvalue() == f"{PERIOD}: 2 user(s) would get the reminder.\n  alice\n  bob\n"
    assert mail.outbox == []
    assert not ReminderDelivery.objects.exists()


def test_send_reminders_catches_up_only_the_missing(ai_roadmap, db, django_capture_on_commit_callbacks):
    alice, bob = learner("alice"), learner("bob")
    ReminderDelivery.objects.create(user=alice, period=PERIOD, status=Status.SENT, sent_at=timezone.now())
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--period", PERIOD, stdout=out)

    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert f"{PERIOD}: 1 user(s) in 1 batch(es) queued for sending." in out.getvalue()


def test_send_reminders_for_one_user(ai_roadmap, alice):
    out = StringIO()
    call_command("send_reminders", "--user", "ALICE", "--period", PERIOD, stdout=out)
    call_command("send_reminders", "--user", "alice", "--period", PERIOD, stdout=out)

    assert len(mail.outbox) == 1
    sent_at = ReminderDelivery.objects.get(user=alice).sent_at
    assert out.getvalue().splitlines() == [
        f"{PERIOD}: sent to alice@example.com.",
        f"{PERIOD}: alice already has this month's reminder (sent {sent_at:%Y-%m-%d %H:%M} UTC).",
    ]


def test_send_reminders_for_one_user_says_why_nothing_was_sent(ai_roadmap, alice):
    ReminderDelivery.objects.create(user=alice, period=PERIOD, status=Status.UNKNOWN, attempts=1)
    out = StringIO()

    call_command("send_reminders", "--user", "alice", "--period", PERIOD, stdout=out)

    assert out.getvalue() == (
        f"{PERIOD}: alice has a reminder whose fate is unknown; not sent again (the admin's Send again does).\n"
    )
    assert mail.outbox == []


def test_send_reminders_refuses_bad_input(db):
    learner("optout", opted_in=False)
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("send_reminders", "--period", "2026-13")
    with pytest.raises(CommandError, match="No user"):
        call_command("send_reminders", "--user", "nobody")
    with pytest.raises(CommandError, match="does not get reminders"):
        call_command("send_reminders", "--user", "optout")


def test_preview_reminder_prints_the_email_and_records_nothing(ai_roadmap, alice):
    out = StringIO()

    call_command("preview_reminder", "alice", "--period", PERIOD, stdout=out)

    text = out.getvalue()
    assert "To: alice@example.com" in text
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in text
    assert "Hi Alice," in text
    assert mail.outbox == []
    assert not ReminderDelivery.objects.exists()


# --- links --------------------------------------------------------------------------------------------


def test_every_link_in_the_email_resolves(ai_roadmap, alice, settings, client):
    import re

    message = build_reminder_message(alice, period=PERIOD)
    urls = set(re.findall(r'href="([^"]+)"', _html(message)))

    assert len(urls) >= 8
    for url in urls:
        assert url.startswith(settings.SITE_URL)
        path = urlsplit(url).path
        resolve(path)  # raises Resolver404 for a dead link
        if "/unsubscribe/" in path or path.startswith("/roadmaps/"):
            assert client.get(path).status_code == 200, path


# --- admin --------------------------------------------------------------------------------------------


def test_admin_lists_deliveries_with_status_and_error(ai_roadmap, staff, alice, client):
    ReminderDelivery.objects.create(user=alice, period=PERIOD, status=Status.FAILED, attempts=6, error="451 busy")
    client.force_login(staff)

    response = client.get("/admin/accounts/reminderdelivery/?status__exact=failed")

    assert response.status_code == 200
    content = response.content.decode()
    assert "451 busy" in content
    assert "Preview any user&#x27;s email" in content or "Preview any user's email" in content


def test_admin_previews_any_users_email(ai_roadmap, staff, alice, client):
    client.force_login(staff)

    lookup = client.get("/admin/accounts/reminderdelivery/preview/", {"q": "alice@example.com"})
    page = client.get(lookup.url, {"period": PERIOD})
    html = client.get(f"{lookup.url}html/", {"period": PERIOD})

    assert lookup.url == f"/admin/accounts/reminderdelivery/preview/{alice.pk}/"
    assert page.status_code == 200
    assert "Hi Alice," in page.content.decode()
    assert "List-Unsubscribe-Post" in page.content.decode()
    assert html.status_code == 200
    assert b"here is your month" in html.content
    assert "script-src" not in html["Content-Security-Policy"]
    assert "default-src 'none'" in html["Content-Security-Policy"]
    assert not ReminderDelivery.objects.exists()


def test_admin_preview_is_for_staff_only(alice, client):
    client.force_login(alice)

    response = client.get(f"/admin/accounts/reminderdelivery/preview/{alice.pk}/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_admin_send_again_sends_unknown_and_failed_deliveries_exactly_once(
    ai_roadmap, staff, alice, client, django_capture_on_commit_callbacks
):
    bob, carol = learner("bob"), learner("carol")
    unknown = ReminderDelivery.objects.create(user=alice, period=PERIOD, status=Status.UNKNOWN, attempts=1)
    failed = ReminderDelivery.objects.create(user=bob, period=PERIOD, status=Status.FAILED, attempts=10)
    sent = ReminderDelivery.objects.create(user=carol, period=PERIOD, status=Status.SENT, attempts=1)
    client.force_login(staff)
    selected = {"action": "send_again", "_selected_action": [unknown.pk, failed.pk, sent.pk]}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/admin/accounts/reminderdelivery/", selected, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post("/admin/accounts/reminderdelivery/", selected, follow=True)

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]
    assert "2 emails are being sent again." in first.content.decode()
    assert "Only deliveries that failed or whose fate is unknown can be sent again." in second.content.decode()
    statuses = dict(ReminderDelivery.objects.values_list("user__username", "status"))
    assert statuses == {"alice": Status.SENT, "bob": Status.SENT, "carol": Status.SENT}
    assert ReminderDelivery.objects.get(pk=sent.pk).attempts == 1


def test_admin_lists_unknown_deliveries_under_their_own_filter(staff, alice, client):
    ReminderDelivery.objects.create(user=alice, period=PERIOD, status=Status.UNKNOWN, attempts=1, error="lost")
    client.force_login(staff)

    response = client.get("/admin/accounts/reminderdelivery/?status__exact=unknown")

    content = response.content.decode()
    assert '<td class="field-status">Unknown</td>' in content
    assert "Send again now (deliveries that failed or whose fate is unknown)" in content
    assert ">alice<" in content


# --- schedule -----------------------------------------------------------------------------------------


def test_beat_runs_the_month_on_the_configured_day_and_hour_utc_and_sweeps_claims(settings):
    from config.celery import app

    app.finalize()
    entry = app.conf.beat_schedule["monthly-reminders"]
    sweep = app.conf.beat_schedule["expire-email-claims"]

    assert entry["task"] == "accounts.send_monthly_reminders"
    schedule = entry["schedule"]
    assert (schedule.day_of_month, schedule.hour, schedule.minute) == (
        {settings.REMINDER_DAY},
        {settings.REMINDER_HOUR},
        {0},
    )
    assert app.conf.timezone == "UTC"
    assert sweep["task"] == "accounts.expire_email_claims"
    # Often enough that a dead sender's email shows as "unknown" well within its lease's order.
    assert sweep["schedule"].minute == set(range(0, 60, 5))


def test_a_batch_shares_its_reads_and_says_the_same_as_a_single_send(ai_roadmap, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.tasks import send_reminder_batch

    users = [learner(f"user{i}") for i in range(4)]
    ReminderDelivery.objects.create(user=users[0], period="2026-10", status=Status.SENT, sent_at=timezone.now())
    release_publish(roadmap=ai_roadmap, version="2026.11", notes="New step.")
    for topic in Topic.objects.all()[:4]:
        record_change(roadmap=ai_roadmap, obj=topic, action=RoadmapChange.Action.CHANGED, fields=["title"])
    # Learners who differ in every part the batch reads for them: progress, last month's completions
    # (one on the month's edge in a time zone far from UTC), published projects.
    topics = list(Topic.objects.order_by("step__number", "order"))
    users[2].timezone = "Pacific/Auckland"
    users[2].save(update_fields=["timezone"])
    for user, count in ((users[1], 9), (users[2], 3), (users[3], 1)):
        for topic in topics[:count]:
            mark_topic(user=user, topic=topic, status=TopicProgress.Status.DONE)
    TopicProgress.objects.filter(user=users[1]).update(completed_at=datetime(2026, 10, 20, tzinfo=UTC))
    # 31 Oct 12:30 UTC is 1 Nov in Auckland: not last month for users[2], while 10:30 UTC still is.
    for topic, hour in ((topics[0], 10), (topics[1], 12)):
        when = datetime(2026, 10, 31, hour, 30, tzinfo=UTC)
        TopicProgress.objects.filter(user=users[2], topic=topic).update(completed_at=when)
    ProjectFactory(owner=users[3], visibility="public", live_demo_url="https://demo.example.org/")
    ProjectFactory(owner=users[1], visibility="public")
    ProjectFactory(owner=users[1], visibility="draft")

    with CaptureQueriesContext(connection) as one:
        send_reminder_batch.run(user_ids=[users[0].pk], period=PERIOD)
    with CaptureQueriesContext(connection) as three:
        send_reminder_batch.run(user_ids=[u.pk for u in users[1:]], period=PERIOD)

    def statements(captured):
        # Savepoints are the test's own transaction showing through; in production they are not there.
        return [q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]

    # Each email costs two statements, its claim and its "sent": every read is the batch's.
    per_email = (len(statements(three)) - len(statements(one))) / 2
    assert per_email <= 2
    assert ReminderDelivery.objects.filter(period=PERIOD, status=Status.SENT).count() == 4
    sent = {m.to[0]: m for m in mail.outbox}
    for user in users:
        single = build_reminder_message(user, period=PERIOD)
        # The same words, batch or not (the unsubscribe token and links are identical too).
        assert single.body == sent[user.email].body
        assert _html(single) == _html(sent[user.email])
    assert "In October you completed 9 topics:" in sent[users[1].email].body
    assert "...and 4 more" in sent[users[1].email].body
    assert "In October you completed 1 topic:" in sent[users[2].email].body
    assert "1 of 5 projects published" in sent[users[1].email].body
    assert "1 of 5 projects published" in sent[users[3].email].body
