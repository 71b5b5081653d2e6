"""Sign-up, verification, log-in, rate limits, enumeration prevention, username rules, password and
email changes, two-factor pages, GitHub button and the admin login, through allauth with our templates."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different long passphrase 42"


@pytest.fixture
def verified(db):
    user = UserFactory(username="verified", email="verified@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _signup(client, **changes):
    data = {
        "email": "new@example.com",
        "username": "newbie",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "reminders_opt_in": "on",
        **changes,
    }
    return client.post(reverse("account_signup"), {k: v for k, v in data.items() if v is not None})


def _link(message):
    return re.search(r"https?://[^/\s]+(/accounts/\S+)", message.body).group(1)


def test_signup_page_in_the_site_design(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert "<h1>Create your account</h1>" in page
    assert "/static/css/site.css" in page
    assert 'class="form-card auth-form"' in page
    # The monthly email question: opt-in (unticked), saying what the email is.
    box = re.search(r'<input type="checkbox" name="reminders_opt_in"[^>]*>', page).group(0)
    assert "checked" not in box
    assert "Send me one email a month: what changed in the roadmap and what to learn next" in page
    assert "Optional: nothing is sent unless you tick it." in page
    assert "Continue with GitHub" not in page


def test_signup_sends_a_verification_email_and_login_waits_for_it(client):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="newbie")
    assert user.reminders_opt_in is True
    assert user.email == "new@example.com"
    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert "/accounts/confirm-email/" in message.body

    # Not verified yet: logging in only re-sends the verification.
    client.logout()
    response = client.post(reverse("account_login"), {"login": "newbie", "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")

    link = _link(message)
    page = client.get(link).content.decode()
    assert "Confirm" in page
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified


def test_signup_without_the_monthly_email(client):
    _signup(client, reminders_opt_in=None)
    assert User.objects.get(username="newbie").reminders_opt_in is False


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("Europe/Berlin", "Europe/Berlin"), ("Asia/Kolkata", "Asia/Kolkata"), ("Mars/Olympus", "UTC"), (None, "UTC")],
)
def test_signup_keeps_the_browsers_time_zone_when_known(client, sent, stored):
    page = client.get(reverse("account_signup")).content.decode()
    assert re.search(r'<input type="hidden" name="timezone"[^>]*data-detect-timezone', page)
    assert _signup(client, timezone=sent).status_code == 302
    assert User.objects.get(username="newbie").timezone == stored


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("admin", "reserved"),
        ("Dashboard", "reserved"),
        ("u", "at least 3 characters"),
        ("no spaces", "Use only letters, digits, hyphens (-) and underscores (_)."),
        ("x" * 31, "at most 30 characters"),
        ("VERIFIED", "That username is taken (usernames are unique regardless of upper and lower case)."),
    ],
)
def test_signup_refuses_bad_usernames_with_clear_messages(client, verified, username, message):
    response = _signup(client, username=username)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    assert mail.outbox == []


def test_signup_with_a_known_email_answers_like_a_new_one(client, verified):
    # Enumeration prevention: same redirect; the owner of the address gets a note instead.
    response = _signup(client, email="verified@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="verified@example.com").count() == 1
    [message] = mail.outbox
    assert message.to == ["verified@example.com"]


@pytest.mark.parametrize("login", ["verified", "VERIFIED@example.com", "verified@example.com"])
def test_login_by_username_or_email(client, verified, login):
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_wrong_password_gets_a_message_in_the_form(client, verified):
    response = client.post(reverse("account_login"), {"login": "verified", "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_logout_is_a_post(client, verified):
    client.force_login(verified)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_login_brute_force_gets_the_429_page(client, verified):
    statuses = [
        client.post(reverse("account_login"), {"login": "verified", "password": f"guess {i}"}).status_code
        for i in range(61)
    ]
    # "login": 60 a minute from one address (config/settings.py); then the site's 429 page.
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    response = client.post(reverse("account_login"), {"login": "verified", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "<h1>Too many requests</h1>" in page
    assert "Please wait a minute before trying again." in page
    assert "/static/css/site.css" in page
    assert response["Retry-After"] == "60"


def test_repeated_failures_on_one_account_lock_it_for_a_while(client, verified):
    for i in range(5):
        client.post(reverse("account_login"), {"login": "verified", "password": f"guess {i}"})
    # Even the right password is refused for now (from any address).
    other = Client(REMOTE_ADDR="10.9.8.7")
    response = other.post(reverse("account_login"), {"login": "verified", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_answers_identically_for_known_and_unknown_emails(verified):
    answers = []
    for email in ("verified@example.com", "nobody@example.com"):
        client = Client()
        response = client.post(reverse("account_reset_password"), {"email": email})
        page = client.get(response["Location"]).content.decode()
        answers.append((response.status_code, response["Location"], page))
    assert answers[0] == answers[1]
    # The known address gets a reset link, the unknown one a note that there is no account.
    assert [m.to for m in mail.outbox] == [["verified@example.com"], ["nobody@example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def test_password_reset_full_flow(client, verified):
    client.post(reverse("account_reset_password"), {"email": "verified@example.com"})
    link = _link(mail.outbox[0])
    response = client.get(link)
    assert response.status_code == 302  # allauth moves the key into the session
    form_url = response["Location"]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    verified.refresh_from_db()
    assert verified.check_password(NEW_PASSWORD)


def test_password_change(client, verified):
    client.force_login(verified)
    page = client.get(reverse("account_change_password")).content.decode()
    assert "Settings</a>" in page  # the manage pages lead back to the settings page
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    verified.refresh_from_db()
    assert verified.check_password(NEW_PASSWORD)


def test_email_change_needs_the_password_again_then_verifies_the_new_address(client, verified):
    client.post(reverse("account_login"), {"login": "verified", "password": PASSWORD})
    response = client.post(reverse("account_email"), {"action_add": "", "email": "moved@example.com"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="moved@example.com").exists()

    # After the password, allauth carries on with the change that was asked for.
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    address = EmailAddress.objects.get(email="moved@example.com")
    assert address.verified is False
    assert any("moved@example.com" in m.to for m in mail.outbox)


def test_two_factor_pages_are_in_the_site_design(client, verified):
    client.post(reverse("account_login"), {"login": "verified", "password": PASSWORD})
    page = client.get(reverse("mfa_index")).content.decode()
    assert "/static/css/site.css" in page
    assert "Authenticator App" in page
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:  # asks for the password first
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<img" in page  # the QR code (a data: URL, allowed by the CSP)
    assert 'name="code"' in page


def test_totp_login_requires_the_code(client, verified):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value

    secret = generate_totp_secret()
    TOTP.activate(verified, secret)
    response = client.post(reverse("account_login"), {"login": "verified", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("dashboard")).status_code == 302  # not logged in yet
    import time

    code = hotp_value(secret, int(time.time()) // 30)
    response = client.post(reverse("mfa_authenticate"), {"code": f"{code:06d}"})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_github_button_only_when_configured(client, settings):
    assert "Continue with GitHub" not in client.get(reverse("account_login")).content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": [{"client_id": "id", "secret": "secret", "key": ""}], "SCOPE": ["user:email"]}
    }
    page = client.get(reverse("account_login")).content.decode()
    assert "Continue with GitHub" in page
    assert "/accounts/github/login/" in page


def test_admin_login_goes_through_allauth(client, staff):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # A signed-in non-staff learner is refused, not shown the admin.
    learner = UserFactory(username="plain")
    client.force_login(learner)
    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403


def test_github_login_asks_before_leaving_the_site(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": [{"client_id": "id", "secret": "secret", "key": ""}], "SCOPE": ["user:email"]}
    }
    response = client.get("/accounts/github/login/?process=login")
    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/css/site.css" in page
    assert 'method="post"' in page
    # Posting the form sends the browser to GitHub with our client id.
    response = client.post("/accounts/github/login/?process=login")
    assert response.status_code == 302
    assert response["Location"].startswith("https://github.com/login/oauth/authorize?client_id=id")


def test_a_github_sign_up_fills_in_the_github_username(rf):
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    from accounts.adapters import SocialAccountAdapter

    account = SocialAccount(provider="github", uid="1", extra_data={"login": "octo-cat"})
    sociallogin = SocialLogin(account=account, user=User())
    request = rf.get("/")
    user = SocialAccountAdapter(request).populate_user(request, sociallogin, {"email": "o@example.com"})
    assert user.github_username == "octo-cat"
