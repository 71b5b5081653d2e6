"""Rate limits that one client cannot turn into an outage for others: the client's address comes from
one setting (TRUSTED_PROXY_COUNT), failed logins are counted per account (one key for its username
and its email), and the per-address limits are ceilings that spare the neighbours behind a proxy."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from config.client_ip import client_ip, client_network
from portfolio.models import Report
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
PROXY = "10.0.0.2"
TOO_MANY = "Too many failed login attempts"


@pytest.fixture
def behind_proxy(settings):
    """One TLS proxy of ours in front of the site: it appends the client's address to X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1
    return settings


def _verified(username):
    user = UserFactory(username=username, email=f"{username}@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def ada(db):
    return _verified("ada")


@pytest.fixture
def grace(db):
    return _verified("grace")


def _client(address=None, *, claimed=""):
    """A browser; with `address`, behind our proxy, which appends that address to whatever the
    browser itself claimed in X-Forwarded-For."""
    if address is None:
        return Client(REMOTE_ADDR="203.0.113.9")
    forwarded = f"{claimed}, {address}" if claimed else address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def _login(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def _signed_in(response):
    return response.status_code == 302 and response["Location"] == reverse("dashboard")


# --- the client's address ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.2", "198.51.100.7", "10.0.0.2"),  # no proxy of ours: the header is anyone's
        (1, "10.0.0.2", "198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.2", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # what the client claimed is ignored
        (2, "10.0.0.3", "1.2.3.4, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "10.0.0.2", "", "10.0.0.2"),  # did not come through the proxy
        (2, "10.0.0.3", "198.51.100.7", "10.0.0.3"),  # too short: not through both proxies
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "198.51.100.7:51234", "198.51.100.7"),
        (1, "10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        (1, "10.0.0.2", "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(rf, settings, count, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_an_ipv6_client_is_counted_by_its_network(rf):
    assert client_network(rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"
    assert client_network(rf.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::"
    assert client_network(rf.get("/", REMOTE_ADDR="203.0.113.9")) == "203.0.113.9"


def test_one_setting_feeds_allauth_and_drf(settings):
    from config import settings as project_settings

    assert project_settings.ALLAUTH_TRUSTED_PROXY_COUNT == project_settings.TRUSTED_PROXY_COUNT
    assert project_settings.REST_FRAMEWORK["NUM_PROXIES"] == project_settings.TRUSTED_PROXY_COUNT


# --- sign-in ------------------------------------------------------------------------------------------


def test_a_guesser_behind_the_proxy_does_not_lock_out_the_people_beside_it(behind_proxy, ada, grace):
    """The probe's finding: failed logins with random usernames from one address locked out everyone
    behind the same proxy. Now the guesser exhausts only its own address's ceiling."""
    guesser = _client("203.0.113.66", claimed="192.0.2.1")
    answers = [_login(guesser, f"guess-{n}@example.com", "wrong").content.decode() for n in range(35)]
    assert TOO_MANY not in answers[0]
    assert TOO_MANY in answers[-1]  # the guesser's own address reached its ceiling

    assert _signed_in(_login(_client("198.51.100.7"), "ada"))
    assert _signed_in(_login(_client("198.51.100.8"), "grace@example.com"))


def test_a_shared_address_survives_a_few_dozen_typos(ada, grace):
    """No proxy setting (every visitor at one address, as behind a school's NAT): ten failures by one
    person no longer lock the address; the per-address ceiling is far above one person's typos."""
    shared = _client()
    for n in range(12):
        assert _login(shared, f"someone-{n}", "wrong").status_code == 200
    assert _signed_in(_login(_client(), "ada"))


def test_username_and_email_of_one_account_share_one_counter(ada, grace):
    client = _client()
    for login in ["ada", "ADA", "ada@example.com", "Ada@Example.com", "ada"]:
        response = _login(client, login, "wrong")
        assert "password you specified are not correct." in response.content.decode()
    # Five failures on the account, whichever way it was named: the right password waits too.
    refused = _login(_client(), "ada@example.com")
    assert refused.status_code == 200
    assert TOO_MANY in refused.content.decode()
    assert TOO_MANY in _login(_client(), "ada").content.decode()
    # Only that account: another one at the same address signs in.
    assert _signed_in(_login(client, "grace"))


def test_a_login_that_names_no_account_has_its_own_counter(ada):
    client = _client()
    for _ in range(5):
        _login(client, "nobody", "wrong")
    assert TOO_MANY in _login(client, "nobody", "wrong").content.decode()
    assert _signed_in(_login(client, "ada"))


def test_a_password_reset_clears_the_accounts_counter(ada):
    for _ in range(5):
        _login(_client(), "ada", "wrong")
    assert TOO_MANY in _login(_client(), "ada").content.decode()

    client = _client()
    client.post(reverse("account_reset_password"), {"email": "ada@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    new_password = "a brand new passphrase 42"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302

    assert _signed_in(_login(_client(), "ada", new_password))


# --- the API's anonymous throttle ---------------------------------------------------------------


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "100/minute"},
    }


def _status_codes(client, count, **headers):
    return [client.get("/api/v1/roadmaps/", **headers).status_code for _ in range(count)]


def test_a_forged_x_forwarded_for_does_not_lift_the_anonymous_throttle(low_rates, roadmap):
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    codes = [client.get("/api/v1/roadmaps/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(1, 6)]
    assert codes == [200, 200, 200, 429, 429]


def test_new_addresses_from_one_ipv6_network_do_not_lift_the_anonymous_throttle(low_rates, roadmap):
    codes = [APIClient(REMOTE_ADDR=f"2001:db8:1:2::{n:x}").get("/api/v1/roadmaps/").status_code for n in range(1, 6)]
    assert codes == [200, 200, 200, 429, 429]
    assert APIClient(REMOTE_ADDR="2001:db8:1:3::1").get("/api/v1/roadmaps/").status_code == 200


def test_behind_the_proxy_the_throttle_counts_each_client(low_rates, behind_proxy, roadmap):
    client = APIClient(REMOTE_ADDR=PROXY)
    # The part of the header a client writes itself changes nothing.
    codes = [
        client.get("/api/v1/roadmaps/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7").status_code
        for n in range(1, 6)
    ]
    assert codes == [200, 200, 200, 429, 429]
    # Another client behind the same proxy has its own allowance.
    assert _status_codes(client, 1, HTTP_X_FORWARDED_FOR="198.51.100.8") == [200]


# --- abuse reports --------------------------------------------------------------------------------


@pytest.fixture
def page_owner(db):
    return UserFactory(username="reported", portfolio_public=True)


def _report(client):
    return client.post("/u/reported/report/", {"reason": "spam"})


def test_anonymous_reports_are_limited_per_client_behind_the_proxy(behind_proxy, page_owner):
    flooder = _client("203.0.113.66")
    assert [_report(flooder).status_code for _ in range(6)] == [200, 200, 200, 200, 200, 429]
    assert _report(_client("198.51.100.7")).status_code == 200
    assert Report.objects.count() == 6


def test_signed_in_reporters_at_one_address_are_limited_each_on_their_own(page_owner):
    first, second = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="203.0.113.9")
    first.force_login(UserFactory(username="first"))
    second.force_login(UserFactory(username="second"))
    assert [_report(first).status_code for _ in range(6)] == [200, 200, 200, 200, 200, 429]
    assert _report(second).status_code == 200
    # The address keeps its own (anonymous) allowance.
    assert _report(Client(REMOTE_ADDR="203.0.113.9")).status_code == 200


def test_report_limit_holds_with_the_cache_down(settings, page_owner):
    """The limit is counted in the database: a Redis outage neither lifts it nor breaks the form."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert [_report(client).status_code for _ in range(6)] == [200, 200, 200, 200, 200, 429]
