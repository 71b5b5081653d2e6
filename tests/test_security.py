"""Security on real responses: headers, cookies, redirects after login, session lifecycle and the
error pages, with the settings production uses (DEBUG off, HTTPS)."""

import json

import pytest
from allauth.account.models import EmailAddress
from csp.decorators import csp_exempt, csp_update
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
EVIL_TARGETS = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example"]


# A URLconf for the error-page tests: the project's, plus views that fail in each way.
def _boom(request):
    raise RuntimeError("secret internals: password=hunter2")


def _forbidden(request):
    raise PermissionDenied("internal reason")


def _suspicious(request):
    raise SuspiciousOperation("internal detail")


@csp_update({"img-src": ["https://img.example"]})
def _wider_images(request):
    return HttpResponse("<p>images from elsewhere</p>")


@csp_exempt()
def _no_policy(request):
    return HttpResponse("<p>no policy</p>")


def _with_nonce(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


urlpatterns = [
    path("test-csp/update/", _wider_images),
    path("test-csp/exempt/", _no_policy),
    path("test-csp/nonce/", _with_nonce),
    path("test-errors/500/", _boom),
    path("test-errors/403/", _forbidden),
    path("test-errors/400/", _suspicious),
    path("", include("config.urls")),
]
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"


@pytest.fixture
def production(settings):
    """What config/settings.py sets when DEBUG is off (tests/test_deploy.py checks that it does)."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["roadmap.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return settings


@pytest.fixture
def https(production):
    return Client(HTTP_HOST="roadmap.example.com", **{"wsgi.url_scheme": "https"})


@pytest.fixture
def verified_user(db):
    user = UserFactory(username="ada", email="ada@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _directives(policy):
    return {part.strip() for part in policy.split(";")}


def _login(client, user, **extra):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD, **extra}, secure=True)


def test_html_pages_carry_the_security_headers(https, roadmap):
    for url in ["/", "/roadmaps/ai-engineer/", reverse("account_login"), "/no-such-page/"]:
        response = https.get(url, secure=True)
        assert _directives(response["Content-Security-Policy"]) == _directives(EXPECTED_CSP), url
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url
        assert len(response["X-Request-ID"]) == 32, url


def test_plain_http_is_redirected_to_https(production, roadmap):
    response = Client(HTTP_HOST="roadmap.example.com").get("/roadmaps/ai-engineer/")
    assert response.status_code == 301
    assert response["Location"] == "https://roadmap.example.com/roadmaps/ai-engineer/"


def test_cookies_are_secure_httponly_and_samesite_lax(https, verified_user):
    page = https.get(reverse("account_login"), secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    response = _login(https, verified_user)
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_login_never_redirects_to_another_site(https, verified_user, target):
    form = https.get(reverse("account_login"), {"next": target}, secure=True)
    assert form.status_code == 200
    response = _login(https, verified_user, next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_login_follows_a_local_next(https, verified_user):
    response = _login(https, verified_user, next="/roadmaps/ai-engineer/")
    assert response.status_code == 302
    assert response["Location"] == "/roadmaps/ai-engineer/"


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_logout_never_redirects_to_another_site(https, verified_user, target):
    https.force_login(verified_user)
    response = https.post(reverse("account_logout"), {"next": target}, secure=True)
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_session_id_rotates_at_login_and_dies_at_logout(https, verified_user):
    https.get(reverse("account_login"), secure=True)
    # An anonymous session (as a half-finished flow would leave) must not survive the login.
    session = https.session
    session["before-login"] = True
    session.save()
    https.cookies["sessionid"] = session.session_key
    before = session.session_key

    _login(https, verified_user)
    after = https.cookies["sessionid"].value
    assert after
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert https.get(reverse("dashboard"), secure=True).status_code == 200

    response = https.post(reverse("account_logout"), secure=True)
    assert response.status_code == 302
    assert response.cookies["sessionid"].value == ""
    assert not Session.objects.filter(session_key=after).exists()
    # Replaying the old cookie gets an anonymous visitor.
    replay = Client(HTTP_HOST="roadmap.example.com")
    replay.cookies["sessionid"] = after
    dashboard = replay.get(reverse("dashboard"), secure=True)
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith(reverse("account_login"))


def _assert_error_page(response, status, title):
    html = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in html
    assert 'class="container narrow error-page"' in html
    assert "/static/css/site.css" in html
    for leak in ("Traceback", "hunter2", "internal reason", "internal detail", "settings.py", "DEBUG"):
        assert leak not in html


@pytest.mark.urls(__name__)
def test_error_pages_are_in_the_site_design_without_internals(https, db):
    https.raise_request_exception = False
    _assert_error_page(https.get("/no-such-page/", secure=True), 404, "Page not found")
    _assert_error_page(https.get("/test-errors/403/", secure=True), 403, "Not allowed")
    _assert_error_page(https.get("/test-errors/400/", secure=True), 400, "Bad request")
    _assert_error_page(https.get("/test-errors/500/", secure=True), 500, "Something went wrong")


def test_disallowed_host_gets_the_400_page(production, db):
    response = Client(HTTP_HOST="evil.example").get("/", secure=True)
    _assert_error_page(response, 400, "Bad request")


def test_csrf_failure_gets_the_site_403_page(https, verified_user):
    strict = Client(enforce_csrf_checks=True, HTTP_HOST="roadmap.example.com")
    response = strict.post(reverse("account_login"), {"login": verified_user.email, "password": PASSWORD}, secure=True)
    _assert_error_page(response, 403, "Form expired")
    assert "CSRF" not in response.content.decode()


def test_too_many_login_attempts_get_the_429_page(https, verified_user, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    for _ in range(3):
        assert _login(https, verified_user, password="wrong").status_code == 200
    response = _login(https, verified_user, password="wrong")
    _assert_error_page(response, 429, "Too many requests")


@pytest.mark.urls(__name__)
def test_csp_header_is_django_csps_and_follows_views_and_settings(https, db, settings):
    from csp.utils import build_policy

    page = https.get("/no-such-page/", secure=True)
    assert page["Content-Security-Policy"] == build_policy()
    wider = https.get("/test-csp/update/", secure=True)["Content-Security-Policy"]
    assert "img-src 'self' data: https://img.example" in wider
    assert "Content-Security-Policy" not in https.get("/test-csp/exempt/", secure=True)
    with_nonce = https.get("/test-csp/nonce/", secure=True)
    nonce = with_nonce.content.decode().split("nonce='")[1].split("'")[0]
    # Our policy asks for no nonce, so django-csp leaves it out; the header is still django-csp's own.
    assert with_nonce["Content-Security-Policy"] == build_policy(nonce=nonce)
    # A changed setting changes the header (it is built once per setting, not once per process).
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert https.get("/no-such-page/", secure=True)["Content-Security-Policy"] == "default-src 'none'"


# --- signed-in answers are private ---------------------------------------------------------------


def _cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_signed_in_pages_are_private_and_never_stored(client, verified_user, roadmap):
    client.force_login(verified_user)
    for url in [
        reverse("dashboard"),
        reverse("settings"),
        reverse("api_tokens"),
        reverse("portfolio:project_list"),
        "/roadmaps/ai-engineer/",  # a public page, shown with the learner's progress
        "/api/v1/me/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = _cache_control(response)
        assert {"private", "no-store"} <= directives, url
        assert "public" not in directives, url


def test_api_token_answers_are_private_too(verified_user, roadmap):
    from tests.api.conftest import create_token

    response = Client(HTTP_AUTHORIZATION=f"Token {create_token(verified_user)}").get("/api/v1/me/progress/summary/")
    assert response.status_code == 200
    assert {"private", "no-store"} <= _cache_control(response)


def test_anonymous_pages_stay_cacheable_and_cookie_free(client, roadmap):
    response = client.get("/roadmaps/ai-engineer/")
    directives = _cache_control(response)
    assert "no-store" not in directives
    assert "private" not in directives
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


# --- static files, as production serves them ------------------------------------------------------


def test_static_files_carry_the_csp_and_the_manifest_is_not_public(tmp_path):
    """Collected and served as in production (DEBUG off, whitenoise, hashed names): every file gets
    the pages' policy (an HTML file of Swagger UI's package included), and staticfiles.json, the list
    of every hashed name, is kept out of the served directory."""
    from tests.test_deploy import _run

    root = tmp_path / "static"
    collected = _run(["manage.py", "collectstatic", "--noinput", "-v0"], STATIC_ROOT=str(root))
    assert collected.returncode == 0, collected.stderr
    assert not (root / "staticfiles.json").exists()
    manifest = json.loads((tmp_path / "static-manifest" / "staticfiles.json").read_text())
    css = manifest["paths"]["css/site.css"]
    code = (
        "import django, json; django.setup()\n"
        "from django.http import HttpResponseNotFound\n"
        "from django.test import RequestFactory\n"
        "from whitenoise.middleware import WhiteNoiseMiddleware\n"
        # The static layer alone: whatever it does not serve falls through to a bare 404.
        "static = WhiteNoiseMiddleware(lambda request: HttpResponseNotFound())\n"
        "answers = {}\n"
        f"for path in ['/static/{css}', '/static/drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.html', "
        "'/static/staticfiles.json']:\n"
        "    r = static(RequestFactory().get(path))\n"
        "    answers[path] = [r.status_code, r.get('Content-Security-Policy'), r.get('Content-Type')]\n"
        "print(json.dumps(answers))"
    )
    served = _run(["-c", code], STATIC_ROOT=str(root), LOG_LEVEL="WARNING")
    assert served.returncode == 0, served.stderr
    answers = json.loads(served.stdout.strip().splitlines()[-1])
    for url in [f"/static/{css}", "/static/drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.html"]:
        status, policy, _ = answers[url]
        assert status == 200, url
        assert _directives(policy) == _directives(EXPECTED_CSP), url
    assert answers[f"/static/{css}"][2].startswith("text/css")
    assert answers["/static/drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.html"][2].startswith("text/html")
    assert answers["/static/staticfiles.json"][0] == 404
