"""accounts.mail: an email sent at most once per delivery row, through any Django email backend: a real
SMTP server (aiosmtpd), Django's locmem backend and django-anymail's test backend. ReminderDelivery
serves as the concrete EmailDelivery model."""

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailRecipientStatus
from django.core import mail
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from accounts.mail import Outcome, deliver, expire_claims, make_message_id, reopen, settled_outcome
from accounts.models import EmailDelivery, ReminderDelivery
from tests.factories import UserFactory
from tests.smtp import free_port

Status = EmailDelivery.Status
ANYMAIL_TEST = "anymail.backends.test.EmailBackend"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def delivery(db):
    user = UserFactory(username="ada", email="ada@example.com")
    return ReminderDelivery.objects.create(user=user, period="2026-11")


def _message(to="ada@example.com", **attrs):
    message = EmailMessage("Hello", "Body", "site@example.org", [to], headers={"Message-ID": "<m.1@example.org>"})
    for name, value in attrs.items():
        setattr(message, name, value)
    return message


def _row(delivery):
    return ReminderDelivery.objects.get(pk=delivery.pk)


def _provider_error(status: int) -> AnymailAPIError:
    response = requests.Response()
    response.status_code, response.reason = status, "Provider says no"
    return AnymailAPIError("Provider says no", status_code=status, response=response)


# --- the happy path and reruns --------------------------------------------------------------------


def test_deliver_sends_once_and_records_when(delivery, smtp_settings):
    before = timezone.now()

    first = deliver(delivery=delivery, message=_message())
    again = deliver(delivery=_row(delivery), message=_message())
    stale = deliver(delivery=delivery, message=_message())  # the instance still says "pending"

    assert (first, again, stale) == (Outcome("sent"), Outcome("done"), Outcome("done"))
    assert smtp_settings.recipients == {"ada@example.com": 1}
    assert smtp_settings.messages[0]["Message-ID"] == "<m.1@example.org>"
    row = _row(delivery)
    assert (row.status, row.attempts, row.error) == (Status.SENT, 1, "")
    assert before <= row.claimed_at <= row.sent_at <= timezone.now()


def test_two_senders_racing_send_one_email(transactional_db, smtp_server, settings):
    """Eight threads, each with its own database connection and SMTP connection, deliver the same row
    at once: exactly one claims it and sends."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    row = ReminderDelivery.objects.create(user=UserFactory(email="race@example.com"), period="2026-11")
    start, outcomes = threading.Barrier(8), []

    def send():
        from django.db import connection

        start.wait()
        try:
            outcomes.append(deliver(delivery=row, message=_message("race@example.com")).kind)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes).count("sent") == 1
    assert set(outcomes) <= {"sent", "busy", "done"}
    assert smtp_server.recipients == {"race@example.com": 1}
    assert (_row(row).status, _row(row).attempts) == (Status.SENT, 1)


def test_a_connection_kept_open_serves_a_run_of_sends(db, smtp_settings):
    users = [UserFactory(email=f"u{i}@example.com") for i in range(3)]
    rows = [ReminderDelivery.objects.create(user=user, period="2026-11") for user in users]
    connection = get_connection()
    try:
        kinds = [deliver(delivery=row, message=_message(row.user.email), connection=connection).kind for row in rows]
        assert connection.connection is not None  # still open for the next one
    finally:
        connection.close()

    assert kinds == ["sent"] * 3
    assert smtp_settings.recipients == {u.email: 1 for u in users}


# --- refusals: failed, retryable or not -----------------------------------------------------------


def test_smtp_refusal_is_failed_and_retryable_then_sends(delivery, smtp_settings):
    smtp_settings.refuse("451 4.3.0 Try again later")

    outcome = deliver(delivery=delivery, message=_message())

    assert outcome == Outcome("failed", error="SMTPDataError: 451 4.3.0 Try again later", retryable=True)
    row = _row(delivery)
    assert (row.status, row.attempts, row.sent_at) == (Status.FAILED, 1, None)
    assert row.error == "SMTPDataError: 451 4.3.0 Try again later"
    smtp_settings.accept()
    assert deliver(delivery=row, message=_message()).kind == "sent"
    assert smtp_settings.recipients == {"ada@example.com": 1}
    assert (_row(delivery).attempts, _row(delivery).error) == (2, "")


def test_a_refused_recipient_is_failed_for_good(delivery, smtp_settings):
    smtp_settings.refused_recipients.add("ada@example.com")

    outcome = deliver(delivery=delivery, message=_message())

    assert outcome == Outcome("failed", error="ada@example.com: 550 5.1.1 No such user", retryable=False)
    assert _row(delivery).status == Status.FAILED
    assert smtp_settings.count == 0


def test_server_down_fails_before_any_claim(delivery, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()

    outcome = deliver(delivery=delivery, message=_message())

    assert (outcome.kind, outcome.retryable) == ("failed", True)
    assert outcome.error.startswith("ConnectionRefusedError")
    row = _row(delivery)
    assert (row.status, row.attempts, row.claimed_at) == (Status.FAILED, 1, None)


def test_out_of_attempts_is_left_alone(delivery, smtp_settings):
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.FAILED, attempts=ReminderDelivery.max_attempts, error="451"
    )

    assert deliver(delivery=_row(delivery), message=_message()) == Outcome("done", error="451")
    assert smtp_settings.count == 0


# --- unknown: never sent again by itself ----------------------------------------------------------


def test_no_answer_after_the_message_is_unknown_and_never_resent(delivery, smtp_settings, settings):
    """The server takes the message but answers after the client gave up: it arrived, and we cannot
    know it, so the row is "unknown" and no rerun sends a second copy."""
    settings.EMAIL_TIMEOUT = 1
    smtp_settings.data_delay = 2

    outcome = deliver(delivery=delivery, message=_message())

    assert outcome.kind == "unknown"
    assert outcome.error == "SMTPServerDisconnected: Connection unexpectedly closed: timed out"
    row = _row(delivery)
    assert row.status == Status.UNKNOWN
    assert row.error.startswith("The sender stopped after claiming this email")
    assert smtp_settings.wait_for(1, timeout=10)
    smtp_settings.data_delay = 0
    assert deliver(delivery=row, message=_message()).kind == "done"
    assert expire_claims() == 0
    assert smtp_settings.recipients == {"ada@example.com": 1}


def test_a_claim_past_its_lease_becomes_unknown_a_fresh_one_is_busy(db, smtp_settings):
    now = timezone.now()
    fresh, stale = (
        ReminderDelivery.objects.create(
            user=UserFactory(), period="2026-11", status=Status.SENDING, claimed_at=claimed_at, attempts=1
        )
        for claimed_at in (now, now - ReminderDelivery.claim_lease - timedelta(seconds=1))
    )

    assert deliver(delivery=fresh, message=_message()) == Outcome("busy")
    assert expire_claims() == 1
    assert expire_claims() == 0

    assert (_row(fresh).status, _row(stale).status) == (Status.SENDING, Status.UNKNOWN)
    assert settled_outcome(_row(stale)) == Outcome("done")
    assert smtp_settings.count == 0


def test_the_sender_meeting_an_expired_claim_marks_it_unknown(delivery, smtp_settings):
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING, claimed_at=timezone.now() - timedelta(hours=1), attempts=1
    )

    assert deliver(delivery=delivery, message=_message()).kind == "unknown"
    assert _row(delivery).status == Status.UNKNOWN
    assert smtp_settings.count == 0


def test_staff_reopen_sends_exactly_one_more(delivery, smtp_settings):
    ReminderDelivery.objects.filter(pk=delivery.pk).update(status=Status.UNKNOWN, attempts=1, error="?")
    sent = ReminderDelivery.objects.create(user=UserFactory(), period="2026-11", status=Status.SENT)

    assert reopen(ReminderDelivery.objects.all()) == [delivery.pk]
    assert reopen(ReminderDelivery.objects.all()) == []
    assert deliver(delivery=_row(delivery), message=_message()).kind == "sent"
    assert deliver(delivery=_row(delivery), message=_message()).kind == "done"

    assert smtp_settings.recipients == {"ada@example.com": 1}
    assert (_row(delivery).status, _row(delivery).attempts) == (Status.SENT, 2)
    assert _row(sent).status == Status.SENT


class _InterruptedBackend(BaseEmailBackend):
    """A backend interrupted mid-send, as by a worker's shutdown or time limit."""

    def send_messages(self, email_messages):
        raise KeyboardInterrupt


def test_an_interrupted_send_is_unknown(delivery):
    with pytest.raises(KeyboardInterrupt):
        deliver(delivery=delivery, message=_message(), connection=_InterruptedBackend())

    assert _row(delivery).status == Status.UNKNOWN


# --- django-anymail (its test backend) ----------------------------------------------------------


def test_anymail_backend_sends_once(delivery, settings):
    settings.EMAIL_BACKEND = ANYMAIL_TEST

    assert deliver(delivery=delivery, message=_message()).kind == "sent"
    assert deliver(delivery=_row(delivery), message=_message()).kind == "done"

    assert len(mail.outbox) == 1
    params = mail.outbox[0].anymail_test_params
    assert (params["subject"], params["extra_headers"]) == ("Hello", {"Message-ID": "<m.1@example.org>"})
    assert mail.outbox[0].anymail_status.status == {"sent"}
    assert _row(delivery).status == Status.SENT


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (429, True), (422, False)])
def test_anymail_provider_error_is_failed(delivery, settings, status, retryable):
    settings.EMAIL_BACKEND = ANYMAIL_TEST

    outcome = deliver(delivery=delivery, message=_message(anymail_test_response=_provider_error(status)))

    assert (outcome.kind, outcome.retryable) == ("failed", retryable)
    assert outcome.error == f"AnymailAPIError: HTTP {status} Provider says no"
    assert (_row(delivery).status, _row(delivery).attempts) == (Status.FAILED, 1)


def test_anymail_rejected_recipient_is_failed_for_good(delivery, settings):
    settings.EMAIL_BACKEND = ANYMAIL_TEST
    rejected = {"recipient_status": {"ada@example.com": AnymailRecipientStatus(message_id=None, status="rejected")}}

    outcome = deliver(delivery=delivery, message=_message(anymail_test_response=rejected))

    assert (outcome.kind, outcome.retryable) == ("failed", False)
    assert outcome.error.startswith("AnymailRecipientsRefused")


def test_anymail_error_without_an_answer_is_unknown(delivery, settings):
    """No HTTP status: the request may have reached the provider (a read timeout)."""
    settings.EMAIL_BACKEND = ANYMAIL_TEST

    outcome = deliver(delivery=delivery, message=_message(anymail_test_response=AnymailAPIError("Read timed out")))

    assert outcome.kind == "unknown"
    assert _row(delivery).status == Status.UNKNOWN
    assert deliver(delivery=_row(delivery), message=_message()).kind == "done"
    assert len(mail.outbox) == 1


def test_message_id_is_in_the_sites_domain(settings):
    settings.SITE_URL = "https://roadmap.example.org:8443"

    assert make_message_id("reminder", "2026-11", 7) == "<reminder.2026-11.7@roadmap.example.org>"


# --- choosing the backend from the environment ----------------------------------------------------


def _settings_in_a_fresh_process(**environ) -> subprocess.CompletedProcess:
    code = "print(s.EMAIL_BACKEND); print(sorted(getattr(s, 'ANYMAIL', {}).items()))"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("EMAIL_", "ANYMAIL_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", **environ}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings as s; {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_email_provider_selects_an_anymail_backend_with_its_settings():
    result = _settings_in_a_fresh_process(EMAIL_PROVIDER="postmark", ANYMAIL_POSTMARK_SERVER_TOKEN="token-123")

    assert result.stdout.splitlines() == [
        "anymail.backends.postmark.EmailBackend",
        "[('POSTMARK_SERVER_TOKEN', 'token-123')]",
    ]


def test_email_url_selects_smtp_and_an_unknown_provider_stops_the_start():
    smtp = _settings_in_a_fresh_process(EMAIL_URL="smtp://mail.example.org:2525")
    unknown = _settings_in_a_fresh_process(EMAIL_PROVIDER="pigeon")

    assert smtp.stdout.splitlines() == ["django.core.mail.backends.smtp.EmailBackend", "[]"]
    assert unknown.returncode != 0
    assert "EMAIL_PROVIDER='pigeon' is not a django-anymail provider." in unknown.stderr
