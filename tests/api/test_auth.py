"""Personal API tokens and session authentication of the API."""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.token_services import api_token_create
from tests.api.conftest import create_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _error(response):
    return response.json()["error"]


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token", "bearer"])
def test_token_in_either_scheme_authenticates(owner, scheme):
    key = create_token(owner)
    client = APIClient()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"{scheme} {key}")
    assert response.status_code == 200
    assert response.json()["username"] == "owner"


def test_no_credentials_is_401_with_www_authenticate(anon_client):
    response = anon_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert _error(response) == {
        "status": 401,
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }


@pytest.mark.parametrize(
    "header",
    ["Token wrong", "Bearer rmp_notarealkey", "Token a b", "Token", "Bearer " + "x" * 300],
)
def test_bad_token_is_401_even_on_public_endpoints(db, header):
    response = APIClient().get("/api/v1/roadmaps/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert _error(response)["code"] == "authentication_failed"


def test_other_schemes_are_left_alone(roadmap):
    # Basic auth is not ours: the request goes on anonymously, and public reads work.
    response = APIClient().get("/api/v1/roadmaps/", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 200


def test_key_is_stored_only_as_its_sha256(owner):
    token, key = api_token_create(user=owner, name="laptop")
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:12]
    assert key.startswith("rmp_")
    assert len(key) > 40
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values()]
    assert key not in stored


def test_revoked_token_is_refused(owner):
    token, key = api_token_create(user=owner, name="old")
    token.delete()
    response = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401


def test_token_of_inactive_user_is_refused(owner):
    key = create_token(owner)
    owner.is_active = False
    owner.save()
    response = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(owner):
    token, key = api_token_create(user=owner, name="cli")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    client.get("/api/v1/me/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/me/")
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    client.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at > first


def test_session_reads_need_no_csrf_token(owner, roadmap):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.get("/api/v1/me/progress/?state=done")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_session_writes_need_the_csrf_token(owner, roadmap):
    topic = roadmap.steps.get(slug="python").topics.first()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)

    refused = client.put(f"/api/v1/me/progress/{topic.pk}/", {"state": "done"}, format="json")
    assert refused.status_code == 403
    assert _error(refused)["code"] == "permission_denied"
    assert "CSRF" in _error(refused)["message"]

    csrf = get_random_string(32)  # a CSRF secret: 32 letters and digits
    client.cookies["csrftoken"] = csrf
    accepted = client.put(f"/api/v1/me/progress/{topic.pk}/", {"state": "done"}, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "done"


def test_token_requests_need_no_csrf_token(owner, roadmap):
    topic = roadmap.steps.get(slug="python").topics.first()
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(owner)}")
    response = client.put(f"/api/v1/me/progress/{topic.pk}/", {"state": "learning"}, format="json")
    assert response.status_code == 200


# --- the management command ----------------------------------------------------------------------


def test_create_api_token_prints_only_a_working_key(owner):
    out = io.StringIO()
    call_command("create_api_token", "OWNER", "--name", "ci", stdout=out)
    key = out.getvalue().strip()
    assert "\n" not in key
    token = ApiToken.objects.get(user=owner)
    assert token.name == "ci"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").json()["username"] == "owner"


def test_create_api_token_default_name(owner):
    call_command("create_api_token", "owner", stdout=io.StringIO())
    assert ApiToken.objects.get(user=owner).name == "command line"


def test_create_api_token_for_unknown_user_fails(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


# --- tokens end with the password that made them --------------------------------------------------

NEW_PASSWORD = "a brand new passphrase 42"
REVOKED_LINE = "every personal API token of your account has been revoked"


@pytest.fixture
def learner(db):
    user = UserFactory(username="ada", email="ada@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _works(key):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_changing_the_password_revokes_every_token_and_the_email_says_so(
    client, learner, outsider, mailoutbox, settings
):
    keys = [create_token(learner, name="laptop"), create_token(learner, name="ci")]
    others = create_token(outsider)
    client.force_login(learner)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "correct horse battery staple", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302

    assert not any(_works(key) for key in keys)
    assert not ApiToken.objects.filter(user=learner).exists()
    assert _works(others)  # nobody else's
    notice = next(m for m in mailoutbox if m.to == ["ada@example.com"])
    assert "Your password has been changed." in notice.body
    assert REVOKED_LINE in notice.body
    assert f"create a new one at {settings.SITE_URL}/settings/tokens/" in notice.body
    # The session that changed it goes on; a new token works.
    assert _works(create_token(learner, name="new laptop"))


def test_resetting_the_password_revokes_every_token_and_the_email_says_so(learner, mailoutbox):
    key = create_token(learner)
    client = Client()
    client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body).group(1)
    form = client.get(link)["Location"]
    assert client.post(form, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302

    assert not _works(key)
    notice = mailoutbox[-1]
    assert "Your password has been reset." in notice.body
    assert REVOKED_LINE in notice.body


def test_a_password_set_by_staff_in_the_admin_revokes_the_accounts_tokens(client, learner, outsider, staff):
    key, others = create_token(learner), create_token(outsider)
    client.force_login(staff)
    url = f"/admin/accounts/user/{learner.pk}/password/"
    response = client.post(url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
    assert not _works(key)
    assert _works(others)
    # A form that does not validate changes nothing.
    key = create_token(learner)
    refused = client.post(url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": "something else"})
    assert refused.status_code == 200
    assert _works(key)


def test_deactivating_an_account_revokes_its_tokens_for_good(learner):
    key = create_token(learner)
    learner.is_active = False
    learner.save()
    assert not ApiToken.objects.filter(user=learner).exists()
    # Reactivated, the account starts without tokens: the old key stays dead.
    learner.is_active = True
    learner.save()
    assert not _works(key)


def test_ordinary_saves_of_an_account_keep_its_tokens(learner):
    key = create_token(learner)
    learner.display_name = "Ada L."
    learner.save()
    learner.save(update_fields=["last_login"])
    assert _works(key)
