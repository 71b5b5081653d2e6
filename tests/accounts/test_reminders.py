"""The monthly reminder in one process: who gets it, what it says, the claim that makes it at most
once, SMTP failures against a real SMTP server, the one-click unsubscribe, the commands and the admin.
(Real Celery workers on Redis: test_reminders_worker.py; the send itself: test_mail.py.)"""

from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import ReminderDelivery
from accounts.reminder_services import reminder_send, reminders_dispatch, reminders_prepare_batch
from accounts.reminders import (
    build_reminder_message,
    changes_digest,
    eligible_users,
    parse_period,
    reminder_context,
    user_ids_to_remind,
)
from accounts.tasks import MAX_RETRIES
from accounts.unsubscribe import make_token
from roadmap.models import RoadmapChange, Topic, TopicProgress
from roadmap.services import mark_topic, record_change, release_publish
from tests.accounts.conftest import PERIOD, learner
from tests.factories import ProjectFactory, UserFactory
from tests.smtp import free_port

Status = ReminderDelivery.Status
pytestmark = pytest.mark.usefixtures("tasks_in_process")


def _html(message):
    return message.alternatives[0][0]


# --- who gets it ------------------------------------------------------------------------------------


def test_only_active_verified_opted_in_users_are_reminded(db):
    alice = learner("alice")
    learner("optout", opted_in=False)
    learner("unverified", verified=False)
    learner("inactive", active=False)
    other_address = learner("moved")
    # The verified address is not the one on the account: never write to an unconfirmed address.
    EmailAddress.objects.filter(user=other_address).update(email="old@example.com")
    UserFactory(username="noemailaddress")

    assert list(eligible_users().values_list("username", flat=True)) == ["alice"]
    assert list(user_ids_to_remind(PERIOD)) == [alice.pk]


def test_users_already_sent_this_month_are_not_dispatched_again(db):
    alice, bob, carol = learner("alice"), learner("bob"), learner("carol")
    ReminderDelivery.objects.create(user=alice, period=PERIOD, status=Status.SENT)
    ReminderDelivery.objects.create(user=bob, period=PERIOD, status=Status.FAILED, attempts=1)
    ReminderDelivery.objects.create(user=carol, period="2026-10", status=Status.SENT)

    assert list(user_ids_to_remind(PERIOD)) == [bob.pk, carol.pk]


def test_dispatch_streams_ids_in_batches_after_commit(db, django_capture_on_commit_callbacks):
    users = [learner(f"user{i}") for i in range(7)]
    batches = []

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert reminders_dispatch(period=PERIOD, enqueue=batches.append, batch_size=3) == (7, 3)
        assert batches == []
    assert len(callbacks) == 3
    assert batches == [[u.pk for u in users[:3]], [u.pk for u in users[3:6]], [users[6].pk]]


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "26-01", "2026-01-01", "next"])
def test_bad_periods_are_refused(value):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_period(value)


# --- what it says ------------------------------------------------------------------------------------


def test_email_is_multipart_with_one_click_unsubscribe_headers(ai_roadmap, alice, settings):
    settings.SITE_URL = "https://roadmap.example.org"
    message = build_reminder_message(alice, period=PERIOD)
    mime = message.message()

    assert message.to == ["alice@example.com"]
    assert mime.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mime.get_payload()] == ["text/plain", "text/html"]
    unsubscribe = f"https://roadmap.example.org/reminders/unsubscribe/{make_token(alice)}/"
    assert mime["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mime["Message-ID"] == f"<reminder.{PERIOD}.{alice.pk}@roadmap.example.org>"
    assert unsubscribe in message.body
    assert unsubscribe in _html(message)
    assert "https://roadmap.example.org/dashboard/" in message.body
    assert "https://roadmap.example.org/settings/" in message.body


def test_email_tells_progress_plan_next_topics_and_portfolio(ai_roadmap, alice, settings):
    settings.SITE_URL = "https://roadmap.example.org"
    topics = list(Topic.objects.filter(step__roadmap=ai_roadmap).order_by("step__number", "order"))
    for topic in topics[:4]:
        mark_topic(user=alice, topic=topic, status=TopicProgress.Status.DONE)
    # Three done in October (the month before the period), one in November.
    TopicProgress.objects.filter(user=alice, topic__in=topics[:3]).update(
        completed_at=datetime(2026, 10, 15, tzinfo=UTC)
    )
    TopicProgress.objects.filter(user=alice, topic=topics[3]).update(completed_at=datetime(2026, 11, 2, tzinfo=UTC))
    ProjectFactory(owner=alice, visibility="public")
    ProjectFactory(owner=alice, visibility="public", live_demo_url="https://demo.example.org/")
    ProjectFactory(owner=alice)

    context = reminder_context(alice, period=PERIOD)
    message = build_reminder_message(alice, period=PERIOD)
    text, html = message.body, _html(message)

    assert context["completed_count"] == 3
    assert context["completed_titles"] == [t.title for t in topics[:3]]
    assert "In October you completed 3 topics:" in text
    assert f"Overall progress: {context['progress'].percent}% (4 of 24 required topics)" in text
    assert f"Your plan: {context['plan'].summary}." in text
    assert message.subject == f"Your November 2026 update: {context['plan'].summary.lower()}"
    next_three = topics[4:7]
    assert [t["title"] for t in context["next_topics"]] == [t.title for t in next_three]
    for topic in next_three:
        url = f"https://roadmap.example.org/roadmaps/ai-engineer/steps/{topic.step.slug}/#topic-{topic.slug}"
        assert url in text
        assert f'href="{url}"' in html
    assert context["portfolio"] | {"ideas_url": ""} == {"published": 2, "live": 1, "needed": 5, "ideas_url": ""}
    assert "2 of 5 projects published" in text
    assert "https://roadmap.example.org/roadmaps/ai-engineer/projects/" in text


def test_a_learner_who_joined_last_month_is_welcomed_not_told_they_did_nothing(ai_roadmap, db):
    # 20 October in Auckland is still 19 October in UTC: the date shown is the learner's own.
    newcomer = learner("newcomer", timezone="Pacific/Auckland", date_joined=datetime(2026, 10, 19, 20, tzinfo=UTC))
    veteran = learner("veteran")

    new_message = build_reminder_message(newcomer, period=PERIOD)
    old_message = build_reminder_message(veteran, period=PERIOD)

    welcome = "Welcome! You joined on 20 October, so this is your first monthly update."
    assert new_message.subject.startswith("Your first monthly update")
    assert old_message.subject.startswith("Your November 2026 update")
    assert welcome in new_message.body
    assert welcome in _html(new_message)
    assert "did not complete" not in new_message.body + _html(new_message)
    assert "You did not complete a topic in October." in old_message.body
    assert "Welcome" not in old_message.body


def test_a_learner_who_joined_this_month_is_welcomed_too(ai_roadmap, db):
    newcomer = learner("newcomer", date_joined=datetime(2026, 11, 2, 8, tzinfo=UTC))

    message = build_reminder_message(newcomer, period=PERIOD)

    assert "Welcome! You joined on 2 November, so this is your first monthly update." in message.body
    assert "did not complete" not in message.body


def test_a_new_learners_completions_count_from_the_day_they_joined(ai_roadmap, db):
    newcomer = learner("newcomer", date_joined=datetime(2026, 10, 20, 9, tzinfo=UTC))
    topics = list(Topic.objects.order_by("step__number", "order")[:2])
    for topic in topics:
        mark_topic(user=newcomer, topic=topic, status=TopicProgress.Status.DONE)
    TopicProgress.objects.filter(user=newcomer).update(completed_at=datetime(2026, 10, 25, tzinfo=UTC))

    message = build_reminder_message(newcomer, period=PERIOD)

    assert "Since you joined on 20 October you completed 2 topics:" in message.body
    assert "Since you joined on 20 October you completed <strong>2 topics</strong>" in _html(message)
    assert "Welcome" not in message.body


def test_changes_since_previous_reminder_grouped_capped_and_linked(ai_roadmap, alice, settings):
    settings.SITE_URL = "https://roadmap.example.org"
    ReminderDelivery.objects.create(
        user=alice, period="2026-10", status=Status.SENT, sent_at=timezone.now() - timedelta(days=1)
    )
    RoadmapChange.objects.update(created_at=timezone.now() - timedelta(days=2))  # before the last reminder
    release_publish(roadmap=ai_roadmap, version="2026.11", notes="**Agents** have their own step now.")
    steps = list(ai_roadmap.steps.order_by("number"))
    for step in steps:
        record_change(roadmap=ai_roadmap, obj=step, action=RoadmapChange.Action.CHANGED, fields=["why"])
    record_change(roadmap=ai_roadmap, obj=steps[0], action=RoadmapChange.Action.CHANGED, fields=["title"])
    for topic in Topic.objects.filter(step=steps[0])[:5]:
        record_change(roadmap=ai_roadmap, obj=topic, action=RoadmapChange.Action.CREATED)

    message = build_reminder_message(alice, period=PERIOD)
    text, html = message.body, _html(message)
    digest = changes_digest(ai_roadmap, timezone.now() - timedelta(days=1))

    assert [r.version for r in digest.releases] == ["2026.11"]
    assert [(g.label, g.summary) for g in digest.groups] == [("Steps", "4 updated"), ("Topics", "5 added")]
    assert [len(g.items) for g in digest.groups] == [3, 3]
    assert digest.total == 9
    assert digest.hidden == 3
    assert "New version 2026.11" in text
    assert "<strong>Agents</strong> have their own step now." in html
    assert "* Steps: 4 updated" in text
    assert f"https://roadmap.example.org{steps[3].get_absolute_url()}" in text
    assert "...and 3 more. Every change: https://roadmap.example.org/roadmaps/ai-engineer/changes/" in text
    assert 'href="https://roadmap.example.org/roadmaps/ai-engineer/changes/"' in html
    assert "5 roadmap changes" not in message.subject
    assert "10 roadmap changes" in message.subject


def test_nothing_changed_says_so(ai_roadmap, alice):
    ReminderDelivery.objects.create(user=alice, period="2026-10", status=Status.SENT, sent_at=timezone.now())

    message = build_reminder_message(alice, period=PERIOD)

    assert "Nothing changed since your last update." in message.body
    assert "Nothing changed since your last update." in _html(message)
    assert "roadmap change" not in message.subject


def test_user_text_is_escaped_in_html(ai_roadmap, db):
    user = learner("mallory", display_name="<script>alert(1)</script>")

    html = _html(build_reminder_message(user, period=PERIOD))

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("size", [1, 3])
def test_composing_takes_constant_queries(ai_roadmap, django_assert_max_num_queries, size):
    user = learner(f"size{size}")
    for topic in Topic.objects.all()[: size * 3]:
        mark_topic(user=user, topic=topic, status=TopicProgress.Status.DONE)
        record_change(roadmap=ai_roadmap, obj=topic, action=RoadmapChange.Action.CHANGED, fields=["title"])
    with django_assert_max_num_queries(12):
        build_reminder_message(user, period=PERIOD)


# --- at most once, in one process ------------------------------------------------------------------------


def test_month_sent_once_even_when_run_twice(run_month, ai_roadmap, db):
    users = [learner(f"user{i}") for i in range(5)]
    learner("optout", opted_in=False)

    run_month()
    run_month()
    for user in users:
        assert reminder_send(user_id=user.pk, period=PERIOD).kind == "done"

    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    deliveries = ReminderDelivery.objects.filter(period=PERIOD)
    assert {(d.status, d.attempts, d.error) for d in deliveries} == {(Status.SENT, 1, "")}
    assert all(d.sent_at is not None for d in deliveries)


def test_a_fresh_claim_held_by_another_worker_is_left_alone(alice):
    ReminderDelivery.objects.create(
        user=alice, period=PERIOD, status=Status.SENDING, claimed_at=timezone.now(), attempts=1
    )

    assert reminder_send(user_id=alice.pk, period=PERIOD).kind == "busy"
    assert list(user_ids_to_remind(PERIOD)) == []
    assert mail.outbox == []


def test_a_claim_whose_worker_died_becomes_unknown_and_is_not_resent(run_month, alice):
    stale = timezone.now() - ReminderDelivery.claim_lease - timedelta(seconds=1)
    ReminderDelivery.objects.create(user=alice, period=PERIOD, status=Status.SENDING, claimed_at=stale, attempts=1)

    # The month's run sweeps it first; then neither it nor a direct send sends anything.
    assert run_month() == {"period": PERIOD, "users": 0, "batches": 0}
    assert reminder_send(user_id=alice.pk, period=PERIOD).kind == "done"

    assert mail.outbox == []
    delivery = ReminderDelivery.objects.get(user=alice)
    assert (delivery.status, delivery.attempts) == (Status.UNKNOWN, 1)
    assert "may or may not have arrived" in delivery.error


def test_losing_the_claim_race_sends_nothing(ai_roadmap, smtp_settings, alice):
    """Two workers loaded the same pending row; the other one claimed it first. This one renders its
    message, fails to claim, and sends nothing."""
    entries, shared = reminders_prepare_batch(user_ids=[alice.pk], period=PERIOD, roadmap=ai_roadmap)
    prepared = entries[alice.pk]
    ReminderDelivery.objects.filter(user=alice).update(status=Status.SENDING, claimed_at=timezone.now(), attempts=1)

    result = reminder_send(user_id=alice.pk, period=PERIOD, prepared=prepared, roadmap=ai_roadmap, batch=shared)

    assert result.kind == "busy"
    assert prepared[1].status == Status.PENDING  # what this worker had read
    assert smtp_settings.count == 0
    assert ReminderDelivery.objects.get(user=alice).attempts == 1


# --- SMTP, against a real server --------------------------------------------------------------------------


def test_smtp_server_receives_one_message_per_user(run_month, ai_roadmap, smtp_settings, db):
    users = [learner(f"user{i}") for i in range(3)]

    run_month()
    run_month()

    assert smtp_settings.recipients == {u.email: 1 for u in users}
    received = smtp_settings.messages[0]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Message-ID"].startswith(f"<reminder.{PERIOD}.")
    assert received.get_body(("plain",)).get_content().startswith("Hi ")
    assert "<html" in received.get_body(("html",)).get_content()


def test_smtp_refusing_for_a_while_retries_then_sends_once(run_month, ai_roadmap, smtp_settings, db):
    users = [learner(f"user{i}") for i in range(3)]
    # Eager tasks retry at once: refuse the first four DATA commands, then accept.
    refusals = iter(range(4))
    smtp_settings.refusal = lambda: "451 4.3.0 Try again later" if next(refusals, None) is not None else ""

    run_month()

    assert smtp_settings.recipients == {u.email: 1 for u in users}
    deliveries = list(ReminderDelivery.objects.filter(period=PERIOD).order_by("user_id"))
    assert [d.status for d in deliveries] == [Status.SENT] * 3
    assert sum(d.attempts for d in deliveries) == 3 + 4
    assert {d.error for d in deliveries} == {""}


def test_smtp_refusing_for_good_ends_failed_with_the_error_kept(run_month, ai_roadmap, smtp_settings, alice):
    smtp_settings.refuse("451 4.3.0 Mailbox busy")

    run_month()

    delivery = ReminderDelivery.objects.get(user=alice)
    # The first try and its MAX_RETRIES retries.
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1 + MAX_RETRIES)
    assert delivery.error == "SMTPDataError: 451 4.3.0 Mailbox busy"
    assert delivery.sent_at is None
    assert smtp_settings.count == 0

    # The server is back: a rerun of the month sends it, once.
    smtp_settings.accept()
    run_month()
    run_month()
    assert smtp_settings.recipients == {"alice@example.com": 1}
    assert ReminderDelivery.objects.get(user=alice).status == Status.SENT


def test_smtp_server_down_is_retried_and_kept_as_failed(run_month, ai_roadmap, settings, alice):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()

    run_month()

    delivery = ReminderDelivery.objects.get(user=alice)
    assert (delivery.status, delivery.attempts, delivery.claimed_at) == (Status.FAILED, 1 + MAX_RETRIES, None)
    assert delivery.error.startswith("ConnectionRefusedError")


def test_a_rejected_recipient_is_not_retried(run_month, ai_roadmap, smtp_settings, alice):
    smtp_settings.refused_recipients.add("alice@example.com")

    run_month()

    delivery = ReminderDelivery.objects.get(user=alice)
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert delivery.error == "alice@example.com: 550 5.1.1 No such user"


def test_anymail_backend_sends_the_month_once(run_month, ai_roadmap, settings, db):
    """An HTTP provider through django-anymail (its test backend): the same path, the same headers."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    users = [learner(f"user{i}") for i in range(3)]

    run_month()
    run_month()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    params = mail.outbox[0].anymail_test_params
    assert params["extra_headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert params["extra_headers"]["Message-ID"].startswith(f"<reminder.{PERIOD}.")
    assert params["html_body"].startswith("<!doctype html>")
    assert params["text_body"].startswith("Hi ")
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {Status.SENT}
