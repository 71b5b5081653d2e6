"""/settings/: profile, plan, switches and reminders; username rules; links; export; deletion."""

import json
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, ReminderDelivery, User
from roadmap.models import RoadmapChange, Topic, TopicProgress
from roadmap.services import mark_topic, record_change
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "username": "learner",
    "display_name": "Ada Learner",
    "headline": "Learning AI",
    "bio": "Hello **world** <script>x</script>",
    "location": "Lisbon",
    "github_username": "ada",
    "linkedin_url": "https://www.linkedin.com/in/ada",
    "website_url": "https://ada.example.com/",
    "timezone": "Europe/Lisbon",
    "plan_start_date": "2026-01-05",
    "hours_per_week": "12",
    "portfolio_public": "on",
    "reminders_opt_in": "on",
}


def _post(client, **changes):
    data = {**VALID, **changes}
    return client.post(reverse("settings"), {k: v for k, v in data.items() if v is not None})


def test_settings_needs_login(client):
    assert client.get(reverse("settings")).status_code == 302


def test_settings_answers_other_methods_with_405(client, user):
    client.force_login(user)
    for method in (client.put, client.delete, client.patch):
        response = method("/settings/")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, POST"


def test_settings_page_shows_every_section(client, user):
    client.force_login(user)
    page = client.get(reverse("settings")).content.decode()
    for text in (
        "Profile",
        "Your 12-month plan",
        "Public page",
        "Monthly email",
        "Sign-in &amp; security",
        "API tokens",
        "Your data",
        "Download my data (JSON)",
        "Delete my account",
    ):
        assert text in page
    assert '<option value="Europe/Lisbon">' in page


def test_saving_settings(client, user):
    client.force_login(user)
    response = _post(client)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Ada Learner"
    assert user.bio_html == "<p>Hello <strong>world</strong> </p>"  # the script is dropped
    assert user.timezone == "Europe/Lisbon"
    assert user.plan_start_date == date(2026, 1, 5)
    assert user.hours_per_week == 12
    assert user.portfolio_public is True
    assert user.show_progress is False
    assert user.reminders_opt_in is True
    _post(client, reminders_opt_in=None)
    user.refresh_from_db()
    assert user.reminders_opt_in is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("linkedin_url", "javascript:alert(1)", "Enter a web address starting with http:// or https://."),
        ("website_url", "ftp://files.example.com/", "Enter a web address starting with http:// or https://."),
        ("website_url", "data:text/html,hi", "Enter a web address starting with http:// or https://."),
        ("linkedin_url", "https://evil.example.com/in/ada", "Enter a linkedin.com address"),
        ("timezone", "Mars/Olympus", "Select a valid choice."),
        ("hours_per_week", "0", "greater than or equal to 1"),
        ("plan_start_date", "1999-01-01", "Choose a date from 2015 on."),
        ("github_username", "not a name", "Enter a GitHub username"),
        ("username", "admin", "is reserved for the site&#x27;s own pages"),
        ("username", "Settings", "is reserved"),
        ("username", "ab", "at least 3 characters"),
        ("username", "a" * 31, "at most 30 characters"),
        ("username", "ada lovelace", "Use only letters, digits, hyphens (-) and underscores (_)."),
    ],
)
def test_bad_settings_get_a_clear_message_and_save_nothing(client, user, field, value, message):
    client.force_login(user)
    response = _post(client, **{field: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Nothing was saved" in page
    user.refresh_from_db()
    assert user.display_name == ""
    assert user.username == "learner"


def test_username_is_unique_ignoring_case(client, user, outsider):
    client.force_login(user)
    response = _post(client, username="OUTSIDER")
    assert response.status_code == 400
    assert "That username is taken" in response.content.decode()
    # The page still shows the real username, not the rejected one.
    assert "Signed in as learner" in response.content.decode()
    # Changing only the case of one's own name is fine.
    assert _post(client, username="Learner").status_code == 302
    user.refresh_from_db()
    assert user.username == "Learner"


def test_export_downloads_everything_as_json(client, user, roadmap):
    topic = Topic.objects.filter(step__slug="python").first()
    row = mark_topic(user=user, topic=topic, status="done")
    row.note = "remember this"
    row.save()
    ReminderDelivery.objects.create(user=user, period="2026-11", status="sent")
    ApiToken.objects.create(user=user, name="ci", prefix="rk_abc", key_hash="0" * 64)
    client.force_login(user)
    response = client.get(reverse("settings_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="ai-engineer-roadmap-learner-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["profile"]["username"] == "learner"
    assert data["progress"][0]["note"] == "remember this"
    assert data["reminders"]["history"][0]["period"] == "2026-11"
    [token] = data["api_tokens"]
    assert token == {"name": "ci", "created_at": token["created_at"], "last_used_at": None}
    assert "0" * 64 not in response.content.decode()
    assert set(data) >= {"profile", "plan", "public_page", "reminders", "progress", "projects", "api_tokens"}


def test_export_is_only_ever_the_signed_in_users(client, owner, outsider, roadmap):
    topic = Topic.objects.filter(step__slug="python").first()
    mark_topic(user=owner, topic=topic, status="done")
    client.force_login(outsider)
    data = client.get(reverse("settings_export")).json()
    assert data["profile"]["username"] == "outsider"
    assert data["progress"] == []
    assert client.post(reverse("settings_export")).status_code == 405


def _references_to(user):
    """Every row in any app that points at the user through a relation to the user model."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model is User and field.concrete and not field.auto_created:
                if field.many_to_many:
                    if model.objects.filter(**{field.name: user.pk}).exists():
                        found.append(f"{model.__name__}.{field.name}")
                elif model.objects.filter(**{field.attname: user.pk}).exists():
                    found.append(f"{model.__name__}.{field.name}")
    return found


def _fill_everything(user, roadmap):
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    topic = Topic.objects.filter(step__slug="python").first()
    row = mark_topic(user=user, topic=topic, status="done")
    row.note = "note"
    row.save()
    ReminderDelivery.objects.create(user=user, period="2026-11", status="sent")
    ApiToken.objects.create(user=user, name="ci", prefix="rk_abc", key_hash=f"{user.pk:064d}")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    SocialAccount.objects.create(user=user, provider="github", uid=str(user.pk))
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"})
    record_change(roadmap=roadmap, obj=topic, action=RoadmapChange.Action.CHANGED, actor=user)
    try:
        from tests.factories import ProjectFactory
    except ImportError:
        return
    ProjectFactory(owner=user)


def test_deleting_the_account_leaves_no_row_that_references_it(client, roadmap):
    user = UserFactory(username="leaver", email="leaver@example.com")
    keeper = UserFactory(username="keeper")
    _fill_everything(user, roadmap)
    _fill_everything(keeper, roadmap)
    assert len(_references_to(user)) >= 6
    _login_recently(client, user)
    # Signing in is not enough: deleting asks for the password again.
    response = client.get(reverse("settings_delete"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Fsettings%2Fdelete%2F"
    response = client.post(response["Location"], {"password": "wrong password"})
    assert response.status_code == 200
    assert not User.objects.filter(pk=user.pk, is_active=False).exists()
    _reauthenticate(client)
    response = client.get(reverse("settings_delete"))
    assert response.status_code == 200
    assert "Type your username to confirm" in response.content.decode()

    response = client.post(reverse("settings_delete"), {"confirm": "not-me"})
    assert response.status_code == 400
    assert "That is not your username. Nothing was deleted." in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()

    response = client.post(reverse("settings_delete"), {"confirm": "leaver"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=user.pk).exists()
    assert _references_to(user) == []
    assert not TopicProgress.objects.filter(user_id=user.pk).exists()
    # The changelog keeps the entry, without the link to the account.
    assert RoadmapChange.objects.filter(actor=None, actor_name="leaver").exists()
    # Signed out, and the other learner is untouched.
    assert client.get(reverse("dashboard")).status_code == 302
    assert len(_references_to(keeper)) >= 6


def test_deleting_needs_the_password_again(user):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("settings_delete"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(reverse("settings_delete"), {"confirm": "learner"}).status_code == 302
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_public_page_is_gone_right_after_deletion(client, roadmap):
    user = UserFactory(username="shown", portfolio_public=True)
    url = reverse("portfolio:public_profile", args=["shown"])
    anonymous = Client()
    before = anonymous.get(url).status_code
    _login_recently(client, user)
    _reauthenticate(client)
    client.post(reverse("settings_delete"), {"confirm": "shown"})
    assert not User.objects.filter(username="shown").exists()
    assert anonymous.get(url).status_code == 404
    assert before in (200, 404)


def _login_recently(client, user):
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    client.post(reverse("account_login"), {"login": user.username, "password": "correct horse battery staple"})


def _reauthenticate(client):
    response = client.post(
        reverse("account_reauthenticate") + "?next=/settings/delete/", {"password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/delete/"


def test_admin_applies_the_same_username_rules(client, staff, user):
    client.force_login(staff)
    data = {
        "username": "LEARNER",
        "email": "x@example.com",
        "usable_password": "true",
        "password1": "a long passphrase 99",
        "password2": "a long passphrase 99",
    }
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    assert "That username is taken" in response.content.decode()
    response = client.post(reverse("admin:accounts_user_add"), {**data, "username": "api"})
    assert "is reserved" in response.content.decode()
    response = client.post(reverse("admin:accounts_user_add"), {**data, "username": "fresh"})
    assert response.status_code == 302
    assert User.objects.filter(username="fresh", email="x@example.com").exists()


def test_settings_post_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert _post(client).status_code == 403
    user.refresh_from_db()
    assert user.display_name == ""


def test_export_and_delete_need_login(client):
    assert client.get(reverse("settings_export")).status_code == 302
    assert client.post(reverse("settings_delete"), {"confirm": "x"}).status_code == 302
