"""The cohort API: my cohorts, joining by token with consent (every refusal a clear 4xx in the API's
error shape), leaving, and its place in the OpenAPI schema."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cohorts import invitations
from cohorts.models import Invite, Membership
from tests.cohorts.conftest import join, verified_user


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _error(response):
    return response.json()["error"]


@pytest.fixture
def link(cohort, cohort_owner):
    return invitations.invite_link_create(cohort=cohort, by=cohort_owner)


def test_join_with_consent(cohort, link):
    bea = verified_user("bea")
    response = _api(bea).post("/api/v1/cohorts/join/", {"token": link.token, "consent": True, "align_plan_start": True})
    assert response.status_code == 201
    body = response.json()
    assert (body["cohort"], body["role"]) == ("spring-study-group", "member")
    bea.refresh_from_db()
    assert bea.plan_start_date == cohort.start_date
    listed = _api(bea).get("/api/v1/cohorts/").json()
    assert listed["count"] == 1
    assert listed["results"][0] | {"html_url": ""} == {
        "slug": "spring-study-group",
        "name": "Spring study group",
        "roadmap": "ai-engineer",
        "start_date": cohort.start_date.isoformat(),
        "role": "member",
        "archived": False,
        "member_count": 2,
        "html_url": "",
    }


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"consent": True}, 400, "token"),
        ({"token": "x", "consent": "yes"}, 400, "consent"),
        ({"token": "no-such-token", "consent": True}, 404, "token"),
    ],
)
def test_join_refuses_bad_input(cohort, link, payload, status, field):
    response = _api(verified_user("bea")).post("/api/v1/cohorts/join/", payload, format="json")
    assert response.status_code == status
    assert field in _error(response)["fields"]


def test_join_without_consent_is_refused(cohort, link):
    bea = verified_user("bea")
    response = _api(bea).post("/api/v1/cohorts/join/", {"token": link.token, "consent": False}, format="json")
    assert response.status_code == 400
    assert _error(response)["fields"]["consent"] == ["Tick the box to agree to share this with the cohort's mentors."]
    assert not Membership.objects.filter(user=bea).exists()


def test_join_conflicts(cohort, cohort_owner, link):
    bea = verified_user("bea")
    join(cohort, bea, by=cohort_owner)
    again = _api(bea).post("/api/v1/cohorts/join/", {"token": link.token, "consent": True})
    assert (again.status_code, _error(again)["message"]) == (409, "You are already in this cohort.")
    Invite.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = _api(verified_user("cal")).post("/api/v1/cohorts/join/", {"token": link.token, "consent": True})
    assert expired.status_code == 409
    assert "expired" in _error(expired)["message"]


def test_an_email_invitation_for_someone_else_is_forbidden(cohort, cohort_owner):
    invite, _ = invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="cat@example.com")
    response = _api(verified_user("mallory")).post("/api/v1/cohorts/join/", {"token": invite.token, "consent": True})
    assert response.status_code == 403
    assert "another email address" in _error(response)["message"]


def test_the_owner_cannot_leave_by_the_api(cohort, cohort_owner):
    response = _api(cohort_owner).delete(f"/api/v1/cohorts/{cohort.slug}/membership/")
    assert response.status_code == 409
    assert "transfer it" in _error(response)["message"]


def test_anonymous_gets_401(cohort):
    for method, path in [("get", "/api/v1/cohorts/"), ("post", "/api/v1/cohorts/join/")]:
        response = getattr(APIClient(), method)(path)
        assert response.status_code == 401
        assert "WWW-Authenticate" in response


def test_the_schema_documents_the_cohort_operations(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/cohorts/"]) == {"get"}
    assert set(paths["/api/v1/cohorts/join/"]) == {"post"}
    assert set(paths["/api/v1/cohorts/{slug}/"]) == {"get"}
    assert set(paths["/api/v1/cohorts/{slug}/membership/"]) == {"delete"}
    join_responses = paths["/api/v1/cohorts/join/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "409"} <= set(join_responses)
    member = schema["components"]["schemas"]["Member"]["properties"]
    assert "note" not in str(member)
    assert "email" not in member
