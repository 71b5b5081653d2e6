"""The API tokens section of /settings/ and its pages under /settings/tokens/."""

import hashlib
import re

import pytest

from accounts.models import ApiToken
from accounts.token_services import MAX_TOKENS_PER_USER, api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_token_pages_need_a_signed_in_user(client):
    for response in (client.get("/settings/tokens/"), client.post("/settings/tokens/", {"name": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not ApiToken.objects.exists()


def test_create_shows_the_key_once_and_stores_its_hash(signed_in, owner):
    response = signed_in.post("/settings/tokens/", {"name": "Jupyter notebook"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    key = re.search(r'value="(rmp_[^"]+)"', html).group(1)
    token = ApiToken.objects.get(user=owner)
    assert token.name == "Jupyter notebook"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert "shown only this once" in html

    listing = signed_in.get("/settings/tokens/").content.decode()
    assert "Jupyter notebook" in listing
    assert f"{token.prefix}…" in listing
    assert key not in listing


def test_create_without_a_name_is_refused(signed_in, owner):
    response = signed_in.post("/settings/tokens/", {"name": "   "})
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_create_beyond_the_limit_is_refused(signed_in, owner):
    for n in range(MAX_TOKENS_PER_USER):
        api_token_create(user=owner, name=f"t{n}")
    response = signed_in.post("/settings/tokens/", {"name": "one more"})
    assert response.status_code == 400
    assert "revoke one" in response.content.decode()
    assert ApiToken.objects.filter(user=owner).count() == MAX_TOKENS_PER_USER


def test_revoke_deletes_own_token_and_goes_back(signed_in, owner):
    token, _key = api_token_create(user=owner, name="old laptop")
    response = signed_in.post(f"/settings/tokens/{token.pk}/revoke/", {"next": "/settings/#api-tokens"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/#api-tokens"
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_revoke_cannot_touch_someone_elses_token(signed_in, outsider):
    token, _key = api_token_create(user=outsider, name="theirs")
    response = signed_in.post(f"/settings/tokens/{token.pk}/revoke/", follow=True)
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert "does not exist" in response.content.decode()


def test_revoke_ignores_an_offsite_next(signed_in, owner):
    token, _key = api_token_create(user=owner, name="x")
    response = signed_in.post(f"/settings/tokens/{token.pk}/revoke/", {"next": "https://evil.example/"})
    assert response["Location"] == "/settings/tokens/"


def test_revoke_is_post_only(signed_in, owner):
    token, _key = api_token_create(user=owner, name="x")
    assert signed_in.get(f"/settings/tokens/{token.pk}/revoke/").status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_settings_page_has_the_tokens_section(signed_in, owner, outsider):
    api_token_create(user=owner, name="mine")
    api_token_create(user=outsider, name="not mine")
    html = signed_in.get("/settings/").content.decode()
    assert 'id="api-tokens"' in html
    assert "mine" in html
    assert "not mine" not in html
    assert 'action="/settings/tokens/"' in html
    # CSP: no inline script or style in the section.
    section = html[html.index('id="api-tokens"') :]
    assert "<script>" not in section
    assert "style=" not in section


def test_staff_can_list_and_revoke_tokens_in_the_admin_but_not_make_or_edit_them(client, staff, owner):
    token, key = api_token_create(user=owner, name="laptop")
    client.force_login(staff)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert "laptop" in listing.content.decode()
    assert key not in listing.content.decode()
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert not ApiToken.objects.filter(pk=token.pk).exists()
