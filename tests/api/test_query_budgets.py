"""Every list endpoint answers in the same number of queries for 1 and for 50 items."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from roadmap.models import Release, Roadmap, RoadmapChange, TopicProgress
from tests.factories import (
    PhaseFactory,
    ProjectFactory,
    ProjectIdeaFactory,
    ResourceFactory,
    RoadmapFactory,
    StepFactory,
    ToolFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# The most any list may take: auth/session lookups, the count, the page, and its prefetches.
BUDGET = 9


def _roadmaps(n):
    for i in range(n):
        RoadmapFactory(slug=f"map-{i}")
    return "/api/v1/roadmaps/"


def _content(n):
    """A roadmap with n steps, each with a topic, a resource and a tool; n ideas, changes, releases."""
    roadmap = RoadmapFactory(slug="ai-engineer")
    phase = PhaseFactory(roadmap=roadmap, slug="foundation")
    for i in range(n):
        step = StepFactory(roadmap=roadmap, phase=phase, slug=f"s-{i}", title=f"S {i}")
        TopicFactory(step=step)
        ResourceFactory(step=step)
        step.tools.add(ToolFactory(roadmap=roadmap, slug=f"t-{i}"), through_defaults={})
        ProjectIdeaFactory(roadmap=roadmap, slug=f"i-{i}").steps.add(step)
        RoadmapChange.objects.create(roadmap=roadmap, action="created", object_type="step", object_repr=f"S {i}")
        Release.objects.create(roadmap=roadmap, version=f"1.{i}", notes="n", published_at=timezone.now())
    return roadmap


def _progress(n, user):
    roadmap = _content(n)
    for i, topic in enumerate(TopicFactory._meta.model.objects.filter(step__roadmap=roadmap)):
        TopicProgress.objects.create(
            user=user, topic=topic, status="done", note=f"note {i}", completed_at=timezone.now() - timedelta(days=i)
        )
    return roadmap


def _projects(n, user):
    roadmap = _content(1)
    step = roadmap.steps.get()
    for i in range(n):
        ProjectFactory(owner=user, slug=f"p-{i}", visibility="public").skills.add(step)


CASES = {
    "roadmaps": (lambda n, user: _roadmaps(n), "/api/v1/roadmaps/"),
    "roadmap detail": (lambda n, user: _content(n), "/api/v1/roadmaps/ai-engineer/"),
    "steps": (lambda n, user: _content(n), "/api/v1/roadmaps/ai-engineer/steps/"),
    "tools": (lambda n, user: _content(n), "/api/v1/roadmaps/ai-engineer/tools/"),
    "project ideas": (lambda n, user: _content(n), "/api/v1/roadmaps/ai-engineer/project-ideas/"),
    "changes": (lambda n, user: _content(n), "/api/v1/roadmaps/ai-engineer/changes/"),
    "releases": (lambda n, user: _content(n), "/api/v1/roadmaps/ai-engineer/releases/"),
    "my progress": (_progress, "/api/v1/me/progress/?roadmap=ai-engineer"),
    "my progress summary": (_progress, "/api/v1/me/progress/summary/?roadmap=ai-engineer"),
    "my notes": (_progress, "/api/v1/me/notes/"),
    "my projects": (_projects, "/api/v1/me/projects/"),
    "public profile": (_projects, "/api/v1/users/learner/"),
}


def _count(url, user):
    client = APIClient()
    client.force_authenticate(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries), response.json()


@pytest.mark.parametrize("name", CASES)
def test_list_queries_do_not_grow_with_items(name):
    make, url = CASES[name]
    counts = []
    for size in (1, 50):
        user = UserFactory(username="learner", portfolio_public=True)
        make(size, user)
        count, body = _count(url, user)
        counts.append(count)
        results = body.get("results", body.get("projects", body.get("phases")))
        if results is not None and name not in ("roadmap detail", "my progress summary"):
            assert len(results) == size, name
        # Start the next size from an empty database.
        for model in (TopicProgress, RoadmapChange, Release):
            model.objects.all().delete()
        for roadmap in Roadmap.objects.all():
            roadmap.delete()
        user.delete()
    assert counts[0] == counts[1], f"{name}: {counts}"
    assert counts[1] <= BUDGET, f"{name}: {counts}"
