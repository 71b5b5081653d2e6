"""The monthly reminder's unsubscribe link: its signed token, the confirmation page, the one-click
POST (RFC 8058) and what an unsubscribed learner gets next month."""

import pytest
from django.core import mail
from django.test import Client

from accounts.models import ReminderDelivery, User
from accounts.reminder_services import reminder_send
from accounts.unsubscribe import BadToken, make_token, read_token
from tests.accounts.conftest import PERIOD, learner

Status = ReminderDelivery.Status
pytestmark = pytest.mark.usefixtures("tasks_in_process")


# --- the token ------------------------------------------------------------------------------------


def test_token_names_its_user_and_cannot_be_forged(db):
    alice, bob = learner("alice"), learner("bob")
    token = make_token(alice)

    assert read_token(token) == alice.pk
    payload, signature = token.rsplit(":", 1)
    bob_payload = make_token(bob).rsplit(":", 1)[0]
    for bad in [f"{bob_payload}:{signature}", f"{payload}:{signature[:-1]}x", "", "abc", payload]:
        with pytest.raises(BadToken):
            read_token(bad)


def test_token_is_opaque(db):
    """The link says nothing about the account: the token is a random key and its signature, not the
    user's id or address; consecutive accounts get unrelated tokens."""
    alice, bob = learner("alice"), learner("bob")
    key, _signature = make_token(alice).rsplit(":", 1)
    assert key == alice.unsubscribe_key
    assert len(key) >= 22
    assert alice.unsubscribe_key != bob.unsubscribe_key
    assert "alice" not in make_token(alice)
    # The account gone, its token names nobody.
    token = make_token(alice)
    alice.delete()
    with pytest.raises(BadToken):
        read_token(token)


def test_token_from_another_salt_is_refused(db):
    from django.core import signing

    alice = learner("alice")
    other = signing.Signer(salt="something.else").sign_object({"u": alice.pk}, compress=True)

    with pytest.raises(BadToken):
        read_token(other)


# --- unsubscribe --------------------------------------------------------------------------------------


def _url(user):
    return f"/reminders/unsubscribe/{make_token(user)}/"


def test_unsubscribe_get_shows_confirmation_and_changes_nothing(alice, client):
    response = client.get(_url(alice))

    assert response.status_code == 200
    assert b"Unsubscribe from the monthly email?" in response.content
    assert b'<form method="post"' in response.content
    alice.refresh_from_db()
    assert alice.reminders_opt_in is True


def test_unsubscribe_link_of_an_unsubscribed_user_says_so(db, client):
    former = learner("former", opted_in=False)

    response = client.get(_url(former))

    assert response.status_code == 200
    assert b"<h1>You are not subscribed</h1>" in response.content
    assert b"former@example.com is already unsubscribed" in response.content
    assert b'<form method="post"' not in response.content


def test_one_click_post_without_cookies_or_csrf_unsubscribes(alice):
    client = Client(enforce_csrf_checks=True)

    response = client.post(_url(alice), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    alice.refresh_from_db()
    assert alice.reminders_opt_in is False
    # Idempotent: again, and as multipart, same answer and nothing else changes.
    again = client.post(_url(alice), {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert b"You are unsubscribed" in again.content
    assert User.objects.get(pk=alice.pk).reminders_opt_in is False


def test_unsubscribe_touches_only_the_tokens_user(alice, db):
    bob = learner("bob")

    Client(enforce_csrf_checks=True).post(_url(alice))

    assert User.objects.get(pk=bob.pk).reminders_opt_in is True


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_token_gets_a_clear_400_page(alice, method):
    token = make_token(alice)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = getattr(Client(enforce_csrf_checks=True), method)(f"/reminders/unsubscribe/{tampered}/")

    assert response.status_code == 400
    assert b"This unsubscribe link is not valid" in response.content
    assert b"site-header" in response.content
    assert User.objects.get(pk=alice.pk).reminders_opt_in is True


def test_unsubscribed_user_is_skipped_next_month(run_month, ai_roadmap, alice):
    bob = learner("bob")
    run_month("2026-10")
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]

    Client().post(_url(alice))
    mail.outbox.clear()
    run_month()

    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert not ReminderDelivery.objects.filter(user=alice, period=PERIOD).exists()


def test_unsubscribe_closes_a_pending_retry(alice):
    ReminderDelivery.objects.create(user=alice, period=PERIOD, status=Status.FAILED, attempts=1, error="451")

    Client().post(_url(alice))
    result = reminder_send(user_id=alice.pk, period=PERIOD)

    assert result.kind == "ineligible"
    assert ReminderDelivery.objects.get(user=alice).status == Status.SKIPPED
    assert mail.outbox == []
