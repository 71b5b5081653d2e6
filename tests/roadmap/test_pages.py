"""Public roadmap pages: the content they show, and a query budget that does not grow with content."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from roadmap.models import Release, RoadmapChange, Topic
from roadmap.services import record_change, release_publish
from tests.factories import (
    PhaseFactory,
    ProjectIdeaFactory,
    ResourceFactory,
    RoadmapFactory,
    StepFactory,
    ToolFactory,
    TopicFactory,
)


def build_roadmap(scale):
    """A synthetic roadmap whose every list is `scale` times longer."""
    roadmap = RoadmapFactory(slug="ai-engineer", title="Scaled roadmap")
    tools = [ToolFactory(roadmap=roadmap) for _ in range(2 * scale)]
    for p in range(4):
        phase = PhaseFactory(roadmap=roadmap, order=p, start_month=3 * p + 1, end_month=3 * p + 3)
        for _ in range(scale):
            step = StepFactory(roadmap=roadmap, phase=phase)
            step.tools.add(*tools[:scale], through_defaults={"order": 0})
            for _ in range(3 * scale):
                TopicFactory(step=step)
            for _ in range(scale):
                ResourceFactory(step=step)
    first = roadmap.steps.order_by("number").first()
    for _ in range(3 * scale):
        ProjectIdeaFactory(roadmap=roadmap).steps.add(first)
    return roadmap


def test_landing_shows_the_plan_as_a_timeline(client, roadmap):
    html = client.get("/").content.decode()
    for text in ["Foundation", "Months 1-3", "Core ML", "Months 4-6", "Specialization", "Advanced", "Months 10-12"]:
        assert text in html
    assert "Programming Fundamentals (Python)" in html
    assert reverse("account_signup") in html
    assert "79</strong><span>topics" in html.replace("\n", "").replace(" ", "").replace("<span>topics", "<span>topics")


def test_roadmap_page_lists_phases_and_steps_with_topic_counts(client, roadmap):
    html = client.get("/roadmaps/ai-engineer/").content.decode()
    assert "Mathematics for AI" in html
    assert "11 topics" in html  # Mathematics: 11 topics
    assert "MLOps &amp; Deployment" in html
    assert html.index("Version Control (Git &amp; GitHub)") < html.index("Statistical Machine Learning")


def test_step_page_shows_why_topics_by_group_tools_resources_and_code(client, roadmap):
    response = client.get("/roadmaps/ai-engineer/steps/deep-learning/")
    html = response.content.decode()
    assert response.status_code == 200
    for group in ["Fundamentals", "Architectures", "Advanced Topics"]:
        assert f"<h3>{group}</h3>" in html
    assert "Generative Adversarial Networks (GANs)" in html
    assert "PyTorch Tutorials" in html
    assert "https://pytorch.org/tutorials/" in html
    assert 'class="highlight"' in html
    assert "torch" in html
    assert "Why it matters" in html
    # Reading order: Deep Learning (4) sits between Statistical ML (3) and NLP (5).
    assert 'rel="prev">' in html
    assert "3. Statistical Machine Learning" in html
    assert "5. Natural Language Processing (NLP)" in html


def test_optional_step_is_marked(client, roadmap):
    html = client.get("/roadmaps/ai-engineer/steps/reinforcement-learning/").content.decode()
    assert "Optional: not counted in your progress" in html


def test_project_ideas_page_groups_by_tier_and_category(client, roadmap):
    html = client.get("/roadmaps/ai-engineer/projects/").content.decode()
    assert html.index("Beginner projects") < html.index("Intermediate projects") < html.index("Advanced projects")
    assert "2-3 months" in html
    assert "4-6 months" in html
    assert "Chatbot with RAG" in html
    assert "End-to-End Systems" in html


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("tools", ["Essential tool stack", "LLM Development", "Weights &amp; Biases", "SageMaker"]),
        ("career", ["Technical Skills Matrix", "Target Roles", "NLP Engineer"]),
        ("resources", ["Andrej Karpathy", "The Batch", "Complete Python Mastery"]),
        ("advice", ["Build in Public", "5+ substantial projects in portfolio"]),
    ],
)
def test_guide_sections(client, roadmap, section, expected):
    html = client.get(f"/roadmaps/ai-engineer/{section}/").content.decode()
    for text in expected:
        assert text in html


def test_unknown_step_section_and_roadmap_are_404(client, roadmap):
    assert client.get("/roadmaps/ai-engineer/steps/nope/").status_code == 404
    assert client.get("/roadmaps/ai-engineer/nope/").status_code == 404
    assert client.get("/roadmaps/nope/").status_code == 404


def test_unpublished_roadmap_is_404(client, roadmap):
    roadmap.published = False
    roadmap.save()
    assert client.get("/roadmaps/ai-engineer/").status_code == 404
    assert client.get("/roadmaps/ai-engineer/steps/python/").status_code == 404


def test_changes_page_and_feed_show_releases_and_changes(client, roadmap, staff):
    release_publish(roadmap=roadmap, version="2.1", notes="Adds **agents** material.", actor=staff)
    html = client.get("/roadmaps/ai-engineer/changes/").content.decode()
    assert "Version 2.1" in html
    assert "<strong>agents</strong>" in html
    # The loader's import: one entry, not one per object.
    assert 'Roadmap: <a href="/roadmaps/ai-engineer/">AI Engineer Roadmap 2025/26 2.0, imported with 4 phases' in html
    feed = client.get("/roadmaps/ai-engineer/changes/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert "<title>Released AI Engineer Roadmap 2025/26 2.1</title>" in body
    assert body.index("Released") < body.index("Created roadmap: AI Engineer Roadmap 2025/26 2.0, imported")
    roadmap.refresh_from_db()
    assert roadmap.version == "2.1"
    assert Release.objects.get().published_by == staff


def test_changes_page_paginates(client, roadmap):
    for topic in Topic.objects.all()[:60]:
        record_change(roadmap=roadmap, obj=topic, action=RoadmapChange.Action.CHANGED, fields=["title"])
    assert RoadmapChange.objects.count() > 50
    html = client.get("/roadmaps/ai-engineer/changes/").content.decode()
    assert "Page 1 of" in html
    assert client.get("/roadmaps/ai-engineer/changes/?page=2").status_code == 200
    # Out of range or malformed: a 404 (which is never cached), not the last page again.
    assert client.get("/roadmaps/ai-engineer/changes/?page=999").status_code == 404
    assert client.get("/roadmaps/ai-engineer/changes/?page=x").status_code == 404


PAGES = [
    "/",
    "/roadmaps/ai-engineer/",
    "/roadmaps/ai-engineer/steps/{step}/",
    "/roadmaps/ai-engineer/projects/",
    "/roadmaps/ai-engineer/tools/",
    "/roadmaps/ai-engineer/career/",
    "/roadmaps/ai-engineer/changes/",
    "/roadmaps/ai-engineer/changes/feed/",
]


def _queries(client, django_assert_max_num_queries, url, budget):
    # Measure the steady state: the first request also fills process-wide caches (the Site).
    # Then empty the page cache, so that what is measured is a full render.
    client.get(url)
    cache.clear()
    with django_assert_max_num_queries(budget) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", PAGES)
def test_query_count_does_not_grow_with_content(client, db, url, django_assert_max_num_queries):
    counts = []
    # Every list four times longer (a scale of 10 made each case take 20 s for no more certainty).
    for scale in (1, 4):
        RoadmapFactory._meta.model.objects.all().delete()
        roadmap = build_roadmap(scale)
        step = roadmap.steps.order_by("number").first()
        counts.append(_queries(client, django_assert_max_num_queries, url.format(step=step.slug), 12))
    assert counts[0] == counts[1], counts


def test_feed_is_served_from_the_cache_and_refreshed_by_a_release(client, roadmap, django_assert_num_queries):
    client.get("/roadmaps/ai-engineer/changes/feed/")
    with django_assert_num_queries(0):
        cached = client.get("/roadmaps/ai-engineer/changes/feed/")
    assert cached["Content-Type"].startswith("application/atom+xml")
    release_publish(roadmap=roadmap, version="2.2", notes="Fresh.", actor=None)
    assert (
        "Released AI Engineer Roadmap 2025/26 2.2" in client.get("/roadmaps/ai-engineer/changes/feed/").content.decode()
    )
