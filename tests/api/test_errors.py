"""One error shape for every 4xx, and throttling answered with 429 and Retry-After."""

import re

import pytest
from django.utils.text import slugify
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api.conftest import create_token

pytestmark = pytest.mark.django_db


def _shape(response, status, code):
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status == response.status_code
    assert error["code"] == code
    assert error["message"]
    return error


def test_validation_error_names_the_fields(owner_client, roadmap):
    topic = roadmap.steps.get(slug="python").topics.first()
    response = owner_client.put(f"/api/v1/me/progress/{topic.pk}/", {"state": "finished"}, format="json")
    error = _shape(response, 400, "invalid")
    assert error["fields"] == {"state": ['"finished" is not a valid choice.']}


def test_nested_validation_errors_have_dotted_names(owner_client, roadmap):
    response = owner_client.post(
        "/api/v1/me/progress/bulk/", {"items": [{"topic": 1, "state": "done"}, {"topic": "x"}]}, format="json"
    )
    error = _shape(response, 400, "invalid")
    assert error["fields"] == {"items.1.topic": ["Must be an integer."]}


def test_wrong_json_types_are_rejected_not_coerced(owner_client):
    response = owner_client.patch("/api/v1/me/", {"hours_per_week": "12", "show_progress": 1}, format="json")
    error = _shape(response, 400, "invalid")
    assert error["fields"] == {"hours_per_week": ["Must be an integer."], "show_progress": ["Must be a boolean."]}


def test_unparseable_json_is_a_parse_error(owner_client):
    response = owner_client.patch("/api/v1/me/", "{not json", content_type="application/json")
    error = _shape(response, 400, "parse_error")
    assert error["message"].startswith("The request body could not be parsed.")


def test_form_encoded_body_is_415(owner_client):
    response = owner_client.patch("/api/v1/me/", "display_name=x", content_type="application/x-www-form-urlencoded")
    _shape(response, 415, "unsupported_media_type")


def test_unknown_roadmap_is_404(anon_client, db):
    _shape(anon_client.get("/api/v1/roadmaps/nope/"), 404, "not_found")
    _shape(anon_client.get("/api/v1/roadmaps/nope/steps/"), 404, "not_found")


def test_any_unknown_api_path_is_a_json_404(anon_client, db):
    for path in ("/api/v1/nothing/", "/api/v1/me/progress/abc/", "/api/v1/roadmaps/a%0Ab/"):
        error = _shape(anon_client.get(path), 404, "not_found")
        assert error["message"].startswith("No API endpoint at")


def test_method_not_allowed_is_405(anon_client, roadmap):
    response = anon_client.post("/api/v1/roadmaps/", {}, format="json")
    _shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_out_of_range_page_and_page_size(anon_client, roadmap):
    _shape(anon_client.get("/api/v1/roadmaps/?page=9"), 404, "not_found")
    error = _shape(anon_client.get("/api/v1/roadmaps/?page_size=0"), 400, "invalid")
    assert error["fields"] == {"page_size": ["Give a whole number from 1 to 200."]}
    _shape(anon_client.get("/api/v1/roadmaps/?page_size=201"), 400, "invalid")
    assert anon_client.get("/api/v1/roadmaps/?page_size=200").status_code == 200


def test_bad_boolean_filter_is_400(anon_client, roadmap):
    error = _shape(anon_client.get("/api/v1/roadmaps/ai-engineer/tools/?essential=1"), 400, "invalid")
    assert error["fields"] == {"essential": ['Use "true" or "false".']}


# --- throttling ------------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }


def test_anonymous_requests_are_throttled_with_retry_after(low_rates, roadmap):
    client = APIClient()
    assert [client.get("/api/v1/roadmaps/").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/roadmaps/")
    error = _shape(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Expected available in" in error["message"]


def test_users_are_throttled_each_on_their_own(low_rates, roadmap, owner, outsider):
    owner_client, outsider_client = APIClient(), APIClient()
    owner_client.credentials(HTTP_AUTHORIZATION=f"Token {create_token(owner)}")
    outsider_client.credentials(HTTP_AUTHORIZATION=f"Token {create_token(outsider)}")
    assert [owner_client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    response = owner_client.get("/api/v1/me/")
    _shape(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    # The per-user scope: another learner (from the same address) is not slowed down.
    assert outsider_client.get("/api/v1/me/").status_code == 200


# --- the project slug's rule, in the schema and on the server --------------------------------------


def _schema():
    return SchemaGenerator(patterns=None).get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("slug", "accepted"),
    [
        ("churn-model", True),
        ("model_v2-final", True),
        ("a", True),
        ("Churn", False),  # the probe's finding: the schema allowed uppercase, the server refused it
        ("churn--model", False),
        ("-churn", False),
        ("churn_", False),
        ("churn model", False),
    ],
)
def test_project_slug_pattern_in_the_schema_is_the_servers_rule(owner_client, roadmap, slug, accepted):
    schema = _schema()["components"]["schemas"]["ProjectCreateRequest"]["properties"]["slug"]
    pattern = next(option["pattern"] for option in schema["oneOf"] if option.get("maxLength") != 0)
    assert bool(re.search(pattern, slug)) is accepted
    response = owner_client.post("/api/v1/me/projects/", {"title": "Churn", "slug": slug}, format="json")
    if accepted:
        # Whatever the pattern allows, the service's own rule (its slugify) allows too.
        assert slug == slugify(slug)
        assert response.status_code == 201
        assert response.json()["slug"] == slug
    else:
        error = _shape(response, 400, "invalid")
        assert error["fields"] == {"slug": ["Use lowercase letters, digits and single hyphens between them."]}


def test_query_parameters_in_the_schema_refuse_control_characters_as_the_server_does(anon_client, roadmap):
    operation = _schema()["paths"]["/api/v1/roadmaps/{slug}/tools/"]["get"]
    category = next(p for p in operation["parameters"] if p["name"] == "category")
    assert category["schema"]["pattern"] == "^[^\\u0000-\\u001f\\u007f]*$"
    assert not re.search(category["schema"]["pattern"], "Z\x02^")
    error = _shape(anon_client.get("/api/v1/roadmaps/ai-engineer/tools/?category=Z%02%5E"), 400, "invalid")
    assert error["fields"] == {"category": ["The query parameter “category” holds a control character."]}
