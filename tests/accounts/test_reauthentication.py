"""A sign-in is as fresh as typing the password again: turning on two-factor right after logging in
asks for nothing more; a few minutes later it asks again."""

import time

import pytest
from allauth.account.models import EmailAddress

from accounts.adapters import SIGNED_IN_AT_SESSION_KEY
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def ada(db):
    user = UserFactory(username="ada", email="ada@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(client):
    response = client.post("/accounts/login/", {"login": "ada", "password": PASSWORD})
    assert response["Location"] == "/dashboard/"


def test_two_factor_can_be_turned_on_right_after_signing_in(client, ada):
    _log_in(client)
    response = client.get(ACTIVATE)
    assert response.status_code == 200
    assert "Authenticator" in response.content.decode()


def test_the_password_is_asked_again_after_the_timeout(client, ada, settings):
    _log_in(client)
    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1
    session.save()
    response = client.get(ACTIVATE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"


def test_a_session_signed_in_elsewhere_is_not_fresh(client, ada):
    # force_login is not a sign-in through the site (no password given in this session).
    client.force_login(ada)
    response = client.get(ACTIVATE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_changing_the_email_address_still_asks_again_right_after_signing_in(client, ada):
    _log_in(client)
    response = client.post("/accounts/email/", {"action_add": "", "email": "moved@example.com"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
