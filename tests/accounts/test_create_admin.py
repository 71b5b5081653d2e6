"""`make superuser` (manage.py create_admin): the first admin signs in at once, through the site's own
login, without a confirmation email."""

import io

from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User

PASSWORD = "a long admin passphrase 42"


def test_the_new_superuser_signs_in_to_the_admin_at_once(client, db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command("create_admin", "--noinput", "--username", "root", "--email", "root@example.com", stdout=out)
    assert "root@example.com is verified: sign in at /admin/ as root." in out.getvalue()
    admin = User.objects.get(username="root")
    assert admin.is_superuser
    assert list(EmailAddress.objects.filter(user=admin).values_list("email", "verified", "primary")) == [
        ("root@example.com", True, True)
    ]

    response = client.post("/accounts/login/?next=/admin/", {"login": "root@example.com", "password": PASSWORD})
    assert response["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Site administration" in page.content.decode()


def test_plain_createsuperuser_still_has_to_confirm_the_address(client, db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.com", verbosity=0)
    response = client.post("/accounts/login/", {"login": "root", "password": PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"
