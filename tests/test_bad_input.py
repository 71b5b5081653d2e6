"""Input no view can use is refused as a class, in one place each, with a 400 in the site's error
shape (the HTML error page, or the API's {"error": {...}}), and the access log records the status
the client really got."""

import json
import time

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from accounts.models import ApiToken
from config.api import MAX_JSON_DEPTH
from roadmap.markdown import render_markdown
from tests.api.conftest import create_token


# A URLconf with the project's URLs and views that fail the ways the access log must see through.
def _unsendable_header(request):
    response = HttpResponse("fine so far")
    response["Content-Disposition"] = 'inline; filename="a\x01b.yaml"'
    return response


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-bad/header/", _unsendable_header),
    path("api/v1/test-boom/", _boom),
    path("", include("config.urls")),
]
handler400 = "config.views.bad_request"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"


@pytest.fixture
def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def api(user):
    client = Client(HTTP_AUTHORIZATION=f"Token {create_token(user)}")
    return client


def _api_error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    return error


def _error_page(response, message):
    html = response.content.decode()
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in html
    assert message in html
    return html


def _access_log(caplog):
    return [(r.path, r.status) for r in caplog.records if r.name == "config.request"]


# --- query parameters --------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["%00", "%01", "%0A", "%0D", "%1F", "%7F"])
def test_a_control_character_in_the_schema_version_is_a_400_in_the_api_shape(db, caplog, character):
    """The probe's 500: the version went into the response's Content-Disposition header, which the
    server refused after the access log had recorded 200."""
    response = Client().get(f"/api/schema/?version=1{character}")
    error = _api_error(response, 400, "invalid")
    assert error["fields"] == {"version": ["The query parameter “version” holds a control character."]}
    assert _access_log(caplog) == [("/api/schema/", 400)]


def test_the_schema_still_answers_a_plain_version(db):
    response = Client().get("/api/schema/?version=1.0")
    assert response.status_code == 200
    assert b"openapi:" in response.content


def test_a_control_character_in_any_query_parameter_of_a_page_is_a_400_page(roadmap, caplog):
    response = Client().get("/roadmaps/ai-engineer/?anything=a%00b")
    _error_page(response, "The query parameter “anything” holds a control character.")
    # A parameter's name is checked too, and shown without its control characters.
    response = Client().get("/roadmaps/ai-engineer/?na%01me=1")
    _error_page(response, "The query parameter “na?me” holds a control character.")
    assert [status for _, status in _access_log(caplog)] == [400, 400]


def test_the_admin_search_box_refuses_nul(staff):
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": "ada\x00"})
    _error_page(response, "The query parameter “q” holds a control character.")
    assert client.get(reverse("admin:accounts_user_changelist"), {"q": "ada"}).status_code == 200


def test_a_nul_in_the_path_is_a_400(db):
    _error_page(Client().get("/reminders/unsubscribe/a%00b/"), "The address holds a NUL character.")
    _api_error(Client().get("/api/v1/roadmaps/a%00b/"), 400, "invalid")


def test_ordinary_query_strings_pass(roadmap):
    response = Client().get("/roadmaps/ai-engineer/?utm_source=news%20letter&q=caf%C3%A9+%26+co")
    assert response.status_code == 200


# --- form fields -------------------------------------------------------------------------------


def test_nul_in_a_form_field_is_a_400_and_nothing_is_stored(signed_in, user, caplog):
    """The probe's 500 on PostgreSQL ("text fields cannot contain NUL"): here the token's name."""
    response = signed_in.post(reverse("api_tokens"), {"name": "laptop\x00"})
    html = _error_page(response, "The field “name” holds a control character (such as NUL)")
    assert "Go back, remove it and send the form again." in html
    assert not ApiToken.objects.filter(user=user).exists()
    assert _access_log(caplog) == [(reverse("api_tokens"), 400)]


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\ufffe"])
def test_characters_no_text_may_hold_are_refused_in_every_form(signed_in, user, character):
    before = user.display_name
    response = signed_in.post(reverse("settings"), {"display_name": f"Ada{character}", "timezone": "UTC"})
    _error_page(response, "The field “display_name” holds a control character")
    user.refresh_from_db()
    assert user.display_name == before


def test_the_sign_in_form_refuses_nul_before_any_lookup(db):
    response = Client().post(reverse("account_login"), {"login": "ada\x00", "password": "x"})
    _error_page(response, "The field “login” holds a control character")


def test_a_form_body_over_the_limit_is_a_400_page_and_logged_as_one(signed_in, settings, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = signed_in.post(reverse("api_tokens"), {"name": "x" * 20_000})
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()
    assert _access_log(caplog) == [(reverse("api_tokens"), 400)]


def test_tabs_and_line_breaks_are_text(signed_in, user):
    response = signed_in.post(reverse("api_tokens"), {"name": "my\tlaptop"})
    assert response.status_code == 200
    assert ApiToken.objects.get(user=user).name == "my\tlaptop"


# --- JSON bodies ---------------------------------------------------------------------------------


def _patch(client, body: str | bytes, path="/api/v1/me/", **extra):
    return client.generic("PATCH", path, body, content_type="application/json", **extra)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000, 100_000])
def test_deeply_nested_json_is_a_parse_error(api, depth):
    """The probe's RecursionError: past about a thousand levels Python's parser gives up."""
    for body in ["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth]:
        error = _api_error(_patch(api, body), 400, "parse_error")
        assert error["message"] == (
            f"The request body could not be parsed. JSON nested more than {MAX_JSON_DEPTH} levels deep."
        )


def test_nesting_an_endpoint_does_not_use_is_not_refused_below_the_limit(api):
    nested = json.dumps({"unused": json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))})
    assert _patch(api, nested).status_code == 200


def test_unstorable_text_in_a_body_is_refused_by_the_field_that_would_store_it(api, roadmap):
    body = json.dumps({"title": "Demo", "tech_stack": {"ml": ["PyTorch", "bad\x00tag"]}})
    error = _api_error(api.post("/api/v1/me/projects/", body, content_type="application/json"), 400, "invalid")
    assert "Null characters are not allowed." in error["fields"]["tech_stack.ml.1"]
    # A lone surrogate: valid JSON, not encodable as UTF-8.
    error = _api_error(_patch(api, '{"display_name": "a\\ud800"}'), 400, "invalid")
    assert error["fields"] == {"display_name": ["Surrogate characters are not allowed: U+D800."]}


def test_a_body_over_the_limit_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"display_name": "x" * 2000})
    error = _api_error(_patch(api, body), 413, "too_large")
    assert error["message"] == "The request body is too large."
    assert _patch(api, json.dumps({"display_name": "Ada"})).status_code == 200


# --- the access log and the error shapes ---------------------------------------------------------


@pytest.mark.urls(__name__)
def test_a_response_no_server_can_send_is_logged_as_the_500_it_becomes(db, caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/test-bad/header/")
    assert response.status_code == 500
    assert "Content-Disposition" not in response
    assert b"Something went wrong" in response.content
    assert _access_log(caplog) == [("/test-bad/header/", 500)]
    assert any("Content-Disposition" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


@pytest.mark.urls(__name__)
def test_errors_under_api_answer_in_the_api_shape(db):
    client = Client(raise_request_exception=False)
    error = _api_error(client.get("/api/v1/test-boom/"), 500, "server_error")
    assert "boom" not in error["message"]
    _api_error(client.get("/api/nothing-here/"), 404, "not_found")
    # The docs page stays HTML.
    assert client.get("/api/docs/").status_code == 200


# --- found by the fuzz pass (tests/test_fuzz.py) ----------------------------------------------------


def test_markdown_nested_past_the_parsers_stack_is_shown_as_written(user):
    """Lists in lists hundreds deep made the Markdown parser raise RecursionError: a 500 on every
    form and API field rendered as Markdown (here the profile's bio)."""
    deep = "1. " * 700
    assert render_markdown(deep) == f"<p>{deep}</p>"
    assert render_markdown("1. one\n2. two") == "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"
    response = Client(HTTP_AUTHORIZATION=f"Token {create_token(user)}").patch(
        "/api/v1/me/", json.dumps({"bio": deep}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["bio"] == deep.strip()


def test_a_login_longer_than_any_account_is_refused_before_any_lookup(db):
    response = Client().post(reverse("account_login"), {"login": "x" * 60_000, "password": "x"})
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters (it has 60000)." in response.content.decode()


@pytest.mark.parametrize(
    "hostile",
    ["[" * 10_000, "[" * 3000 + "](" * 3000, "[a](" * 2500, "[a][" * 2500, "![" * 5000, "[" * 2000 + "]" * 2000],
)
def test_markdown_with_thousands_of_open_brackets_renders_in_a_moment(hostile):
    """Python-Markdown scans for a link's end from every "[": ten thousand of them in one note held a
    worker for 81 seconds. Past BRACKET_TROUBLE_MAX, the text is rendered without link syntax."""
    started = time.perf_counter()
    html = render_markdown(hostile)
    assert time.perf_counter() - started < 1
    assert html.startswith("<p>")
    assert "<a " not in html


def test_ordinary_links_and_brackets_still_render():
    text = "See [the docs](https://example.com/a_(b)) (really) and [ ] a box." + " [x](https://x.example/)" * 30
    html = render_markdown(text)
    assert html.count('<a href="https://x.example/"') == 30
    assert '<a href="https://example.com/a_(b)"' in html
