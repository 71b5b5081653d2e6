import pytest

from portfolio import services as portfolio_services
from search.services import reindex_all
from tests.factories import UserFactory


@pytest.fixture
def indexed(roadmap):
    """The real roadmap, indexed (the fixture inserts it in bulk, which sends no signals)."""
    reindex_all()
    return roadmap


@pytest.fixture
def publish(db):
    """publish(owner, title, overview=..., visibility=...): a project shared the way learners do."""

    def make(owner, title, overview="A small, tested service.", visibility="public", **fields):
        project = portfolio_services.project_create(owner=owner, title=title, overview=overview, **fields)
        return portfolio_services.project_publish(project=project, visibility=visibility)

    return make


@pytest.fixture
def public_learner(db):
    return UserFactory(
        username="grace",
        display_name="Grace Hopper",
        headline="Zettelkasten keeper learning retrieval",
        portfolio_public=True,
    )
