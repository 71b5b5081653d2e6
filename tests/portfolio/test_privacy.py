"""Privacy through every door: drafts, hidden projects and non-public pages are seen by their owner and
staff only, via the HTML pages, the README export, the share images, the report pages, the profile's
project list and the sitemap. Each door is tried as anonymous, owner, another user and staff."""

import pytest
from django.test import Client
from django.urls import reverse

from portfolio import selectors
from portfolio.models import Project
from tests.factories import ProjectFactory, UserFactory

VIEWERS = ["anonymous", "owner", "outsider", "staff"]
SECRET = "Secret-project-title-7f3a"

# state -> (project fields, owner fields, who may open the project's pages)
STATES = {
    "public": ({"visibility": "public"}, {}, set(VIEWERS)),
    "unlisted": ({"visibility": "unlisted"}, {}, set(VIEWERS)),
    "draft": ({"visibility": "draft"}, {}, {"owner", "staff"}),
    "hidden-project": ({"visibility": "public", "hidden": True, "hidden_reason": "Spam links"}, {}, {"owner", "staff"}),
    "private-page": ({"visibility": "public"}, {"portfolio_public": False}, {"owner", "staff"}),
    "hidden-page": (
        {"visibility": "public"},
        {"page_hidden": True, "page_hidden_reason": "Impersonation"},
        {"owner", "staff"},
    ),
    "inactive-owner": ({"visibility": "public"}, {"is_active": False}, {"staff"}),
}


def _doors(project):
    username, slug = project.owner.username, project.slug
    return {
        "project page": reverse("portfolio:public_project", args=[username, slug]),
        "readme": reverse("portfolio:project_readme", args=[username, slug]),
        "project image": reverse("portfolio:project_image", args=[username, slug]),
        "project report": reverse("portfolio:report_project", args=[username, slug]),
    }


def _client(viewer, people):
    client = Client()
    if viewer != "anonymous":
        client.force_login(people[viewer])
    return client


@pytest.fixture
def people(db):
    return {
        "owner": UserFactory(username="owner", portfolio_public=True, display_name="Olive Owner"),
        "outsider": UserFactory(username="outsider"),
        "staff": UserFactory(username="staffer", is_staff=True),
    }


def _make(people, state):
    project_fields, owner_fields, allowed = STATES[state]
    owner = people["owner"]
    for name, value in owner_fields.items():
        setattr(owner, name, value)
    owner.save()
    project = ProjectFactory(owner=owner, title=SECRET, slug="secret", **project_fields)
    return project, allowed


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_project_doors(people, state, viewer):
    if state == "inactive-owner" and viewer == "owner":
        pytest.skip("an inactive user cannot sign in")
    project, allowed = _make(people, state)
    client = _client(viewer, people)
    for door, url in _doors(project).items():
        response = client.get(url)
        expected = 200 if viewer in allowed else 404
        assert response.status_code == expected, (door, state, viewer)
        if expected == 404:
            assert SECRET.encode() not in response.content, (door, state, viewer)
    page = client.get(_doors(project)["project page"])
    if viewer in allowed:
        assert SECRET in page.content.decode()


@pytest.mark.parametrize("state", ["private-page", "hidden-page", "inactive-owner"])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_profile_doors_of_pages_that_are_not_public(people, state, viewer):
    if state == "inactive-owner" and viewer == "owner":
        pytest.skip("an inactive user cannot sign in")
    _project, allowed = _make(people, state)
    client = _client(viewer, people)
    for url in (
        reverse("portfolio:public_profile", args=["owner"]),
        reverse("portfolio:profile_image", args=["owner"]),
        reverse("portfolio:report_profile", args=["owner"]),
    ):
        response = client.get(url)
        assert response.status_code == (200 if viewer in allowed else 404), (url, viewer)
        if viewer not in allowed:
            assert b"Olive Owner" not in response.content


@pytest.mark.parametrize("state", ["draft", "unlisted", "hidden-project"])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_public_projects_are_listed_on_the_profile_whoever_looks(people, state, viewer):
    _make(people, state)
    ProjectFactory(owner=people["owner"], title="Listed project", visibility="public")
    response = _client(viewer, people).get(reverse("portfolio:public_profile", args=["owner"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Listed project" in html
    assert SECRET not in html


def test_owner_sees_why_the_page_is_hidden_others_get_404(people):
    _make(people, "hidden-page")
    url = reverse("portfolio:public_profile", args=["owner"])
    owner_view = _client("owner", people).get(url)
    assert "Your page is hidden by the moderators" in owner_view.content.decode()
    assert "Reason: Impersonation" in owner_view.content.decode()
    assert _client("outsider", people).get(url).status_code == 404
    staff_view = _client("staff", people).get(url)
    assert "This page is hidden by the moderators" in staff_view.content.decode()


def test_owner_sees_why_a_project_is_hidden(people):
    project, _ = _make(people, "hidden-project")
    html = _client("owner", people).get(project.get_absolute_url()).content.decode()
    assert "This project is hidden by the moderators." in html
    assert "Reason: Spam links" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_draft_banner_for_the_owner(people):
    project, _ = _make(people, "draft")
    html = _client("owner", people).get(project.get_absolute_url()).content.decode()
    assert "Only you and staff can see this project." in html


@pytest.mark.parametrize("state", list(STATES))
def test_sitemap_lists_only_public_projects_on_public_pages(client, people, state):
    project, _ = _make(people, state)
    xml = client.get("/sitemap.xml").content.decode()
    project_url = f"/u/owner/{project.slug}/</loc>"
    page_listed = state in ("public", "unlisted", "draft", "hidden-project")
    assert ("/u/owner/</loc>" in xml) is page_listed, state
    assert (project_url in xml) is (state == "public"), state
    assert "/u/outsider/</loc>" not in xml  # outsider's page is not public


def test_visible_to_is_the_single_rule(people):
    owner, outsider, staff = people["owner"], people["outsider"], people["staff"]
    public = ProjectFactory(owner=owner, visibility="public")
    unlisted = ProjectFactory(owner=owner, visibility="unlisted")
    draft = ProjectFactory(owner=owner, visibility="draft")
    hidden = ProjectFactory(owner=owner, visibility="public", hidden=True)
    mine = ProjectFactory(owner=outsider, visibility="draft")
    from django.contrib.auth.models import AnonymousUser

    assert set(Project.objects.visible_to(AnonymousUser())) == {public, unlisted}
    assert set(Project.objects.visible_to(outsider)) == {public, unlisted, mine}
    assert set(Project.objects.visible_to(owner)) == {public, unlisted, draft, hidden}
    assert set(Project.objects.visible_to(staff)) == {public, unlisted, draft, hidden, mine}
    assert set(Project.objects.listed()) == {public}
    assert selectors.can_view_portfolio(AnonymousUser(), owner)
    assert not selectors.can_view_portfolio(AnonymousUser(), outsider)
    assert selectors.can_view_portfolio(outsider, outsider)
    assert selectors.can_view_portfolio(staff, outsider)


def test_editing_pages_are_scoped_to_the_owner(people):
    project, _ = _make(people, "public")
    outsider = _client("outsider", people)
    staff = _client("staff", people)
    for name in ("project_edit", "project_delete"):
        url = reverse(f"portfolio:{name}", args=[project.slug])
        assert outsider.get(url).status_code == 404
        assert staff.get(url).status_code == 404  # staff moderate in the admin, not in the learner's editor
    for name in ("project_publish", "project_unpublish", "project_move", "project_delete"):
        assert outsider.post(reverse(f"portfolio:{name}", args=[project.slug])).status_code == 404
    project.refresh_from_db()
    assert project.visibility == "public"
    assert Project.objects.filter(pk=project.pk).exists()
    anonymous = Client().get(reverse("portfolio:project_edit", args=[project.slug]))
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_anonymous_copies_of_a_page_go_stale_when_a_project_is_unpublished(people, client):
    from portfolio import services

    project, _ = _make(people, "public")
    url = project.get_absolute_url()
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # served from the page cache
    services.project_unpublish(project=project)
    assert client.get(url).status_code == 404
    profile = client.get(reverse("portfolio:public_profile", args=["owner"])).content.decode()
    assert SECRET not in profile
