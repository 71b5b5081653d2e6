"""Search shows public things only, through every door (page, suggestions, API), in every state a
project or a page can be in -- also when the index has not caught up with a bulk write."""

import pytest

from accounts.models import User
from portfolio.models import Project
from search.selectors import search


def _found(client, query):
    """What each door says about `query`: kinds found by the selector, the page, suggestions and API."""
    page = client.get("/search/", {"q": query}).content.decode()
    suggestions = client.get("/search/suggest/", {"q": query}).json()
    api = client.get("/api/v1/search/", {"q": query}).json()
    return {
        "selector": search(query).total,
        "page": "Nothing found" not in page,
        "suggestions": bool(suggestions["groups"]),
        "api": api["total"],
    }


def _assert_visible(client, query, visible):
    found = _found(client, query)
    if visible:
        assert found == {"selector": 1, "page": True, "suggestions": True, "api": 1}, found
    else:
        assert found == {"selector": 0, "page": False, "suggestions": False, "api": 0}, found


@pytest.mark.parametrize(
    ("project_state", "owner_state", "visible"),
    [
        ({}, {}, True),
        ({"visibility": "draft"}, {}, False),
        ({"visibility": "unlisted"}, {}, False),
        ({"hidden": True}, {}, False),
        ({}, {"portfolio_public": False}, False),
        ({}, {"page_hidden": True}, False),
        ({}, {"is_active": False}, False),
    ],
    ids=["public", "draft", "unlisted", "hidden-project", "private-page", "hidden-page", "inactive-owner"],
)
def test_projects_only_when_listed(client, indexed, public_learner, publish, project_state, owner_state, visible):
    project = publish(public_learner, "Zygomorphic flower classifier")
    for name, value in project_state.items():
        setattr(project, name, value)
    project.save()
    for name, value in owner_state.items():
        setattr(public_learner, name, value)
    public_learner.save()
    _assert_visible(client, "zygomorphic", visible)


@pytest.mark.parametrize(
    ("state", "visible"),
    [({}, True), ({"portfolio_public": False}, False), ({"page_hidden": True}, False), ({"is_active": False}, False)],
    ids=["public", "private-page", "hidden-page", "inactive"],
)
def test_profiles_only_when_public(client, indexed, public_learner, state, visible):
    for name, value in state.items():
        setattr(public_learner, name, value)
    public_learner.save()
    _assert_visible(client, "zettelkasten", visible)


def test_a_page_made_public_later_becomes_searchable(client, indexed, publish):
    from tests.factories import UserFactory

    learner = UserFactory(username="quietone", display_name="Quiet Learner")
    publish(learner, "Zygomorphic flower classifier")
    _assert_visible(client, "zygomorphic", False)
    learner.portfolio_public = True
    learner.save()
    _assert_visible(client, "zygomorphic", True)


@pytest.mark.parametrize(
    ("write", "query"),
    [
        (lambda: Project.objects.update(visibility="draft"), "zygomorphic"),
        (lambda: Project.objects.update(hidden=True), "zygomorphic"),
        (lambda: User.objects.update(portfolio_public=False), "zygomorphic"),
        (lambda: User.objects.update(page_hidden=True), "zettelkasten"),
        (lambda: User.objects.update(is_active=False), "zettelkasten"),
    ],
    ids=["project-draft", "project-hidden", "page-private", "page-hidden", "owner-inactive"],
)
def test_bulk_writes_the_index_missed_still_hide_things(client, indexed, public_learner, publish, write, query):
    publish(public_learner, "Zygomorphic flower classifier")
    _assert_visible(client, query, True)
    write()  # queryset.update(): no signals, the index still holds the document
    _assert_visible(client, query, False)
