"""The roadmap map (roadmap/map.py) on the roadmap and home pages: the plain map for visitors, served
from the page cache, and each learner's own map with node states, the plan's phase and "you are here"."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from roadmap import selectors, services
from roadmap.map import build_map, build_maps
from roadmap.models import Step, TopicProgress
from tests.factories import build_roadmap


def _topics(roadmap):
    return [topic for step in selectors.steps_in_order(roadmap) for topic in step.topics.order_by("order", "id")]


def _map_links(html, orientation="wide"):
    """(href, accessible name) of every node link in one orientation of the map: the name is the
    link's <title> (the visible text, cut to fit, is hidden from assistive technology)."""
    svg = re.search(rf'<svg class="map-svg map-{orientation}".*?</svg>', html, re.S).group(0)
    return re.findall(r'<a class="map-link" href="([^"]+)">\s*(?:\{#.*?#\}\s*)?<title>([^<]+)</title>', svg, re.S)


def test_anonymous_roadmap_page_draws_every_step_as_a_link_in_reading_order(client, roadmap):
    html = client.get("/roadmaps/ai-engineer/").content.decode()
    links = _map_links(html)
    steps = selectors.steps_in_order(roadmap)
    assert [href for href, _label in links] == [step.get_absolute_url() for step in steps]
    assert links[0][1] == "Step 1: Programming Fundamentals (Python), 6 topics"
    assert (
        "/roadmaps/ai-engineer/steps/reinforcement-learning/",
        "Step 8: Reinforcement Learning (optional), 3 topics",
    ) in links
    # Both orientations are on the page (the stylesheet shows one), with their own ids.
    assert len(_map_links(html, "tall")) == len(steps)
    assert 'id="map-wide-title"' in html
    assert 'id="map-tall-title"' in html
    # Four phases along twelve months, and no learner's state on a visitor's map.
    for text in ["Month 1<", "Month 12<", ">Foundation<", ">Months 10-12<"]:
        assert text in html
    assert "You are here" not in html
    assert "state-done" not in html
    # The text equivalent lists every step.
    assert "The map as a list" in html
    assert html.count('<li><a href="/roadmaps/ai-engineer/steps/') == len(steps)


def test_optional_step_is_drawn_as_optional(client, roadmap):
    html = client.get("/roadmaps/ai-engineer/").content.decode()
    assert html.count('class="map-node state-not_started is-optional"') == 2  # wide and tall
    assert "optional · 3 topics" in html
    assert 'class="map-edge is-optional"' in html


def test_anonymous_map_is_served_from_the_page_cache_and_follows_roadmap_edits(client, roadmap):
    first = client.get("/roadmaps/ai-engineer/")
    assert first["X-Page-Cache"] == "miss"
    assert client.get("/roadmaps/ai-engineer/")["X-Page-Cache"] == "hit"
    step = Step.objects.get(roadmap=roadmap, number=4)
    step.title = "Deep Learning, renamed"
    step.save()
    html = client.get("/roadmaps/ai-engineer/").content.decode()
    assert "Step 4: Deep Learning, renamed, 10 topics" in html


def test_learners_map_colours_nodes_marks_the_plan_phase_and_you_are_here(client, roadmap, user):
    user.plan_start_date = timezone.localdate() - timedelta(days=130)  # month 5: Core ML
    user.save()
    topics = _topics(roadmap)
    for topic in topics[:25]:  # steps 1, 2, 9, 10: 6 + 11 + 4 + 4 topics
        services.mark_topic(user=user, topic=topic, status=TopicProgress.Status.DONE)
    services.mark_topic(user=user, topic=topics[25], status=TopicProgress.Status.LEARNING)
    services.mark_topic(user=user, topic=topics[26], status=TopicProgress.Status.SKIPPED)
    client.force_login(user)
    html = client.get("/roadmaps/ai-engineer/").content.decode()
    labels = dict(_map_links(html))
    assert (
        labels["/roadmaps/ai-engineer/steps/python/"] == "Step 1: Programming Fundamentals (Python). 6 of 6 topics done"
    )
    assert labels["/roadmaps/ai-engineer/steps/statistical-ml/"] == (
        "Step 3: Statistical Machine Learning. 0 of 10 topics done, 1 learning, 1 skipped. You are here"
    )
    assert labels["/roadmaps/ai-engineer/steps/deep-learning/"] == "Step 4: Deep Learning. 0 of 10 topics done"
    wide = re.search(r'<svg class="map-svg map-wide".*?</svg>', html, re.S).group(0)
    assert wide.count('class="map-node state-done') == 4
    # 25 topics done: the first four steps' dots, drawn as one run of "done" each.
    assert wide.count('class="map-dots state-done"') == 4
    assert wide.count(">You are here<") == 1
    # The plan expects Core ML in month 5.
    assert re.search(r'class="map-band phase-2 is-now"', wide)
    assert wide.count("is-now") == 1
    assert "You are at step 3, Statistical Machine Learning." in wide
    assert "Download your map" in html
    assert "map.svg?u=learner" in html


def test_signed_in_map_is_never_served_to_visitors(client, roadmap, user):
    services.mark_topic(user=user, topic=_topics(roadmap)[0], status=TopicProgress.Status.DONE)
    client.force_login(user)
    assert "You are here" in client.get("/roadmaps/ai-engineer/").content.decode()
    client.logout()
    cache.clear()
    html = client.get("/roadmaps/ai-engineer/").content.decode()
    assert "You are here" not in html
    assert "Download the map" in html


def test_a_learner_who_finished_every_required_step_is_not_placed_anywhere(roadmap, user):
    topics = [t for t in _topics(roadmap) if not t.step.optional]
    for topic in topics:
        services.mark_topic(user=user, topic=topic, status=TopicProgress.Status.DONE)
    drawing = build_map(roadmap, selectors.phases_with_steps(roadmap), progress=selectors.progress_for(user, roadmap))
    assert drawing.here is None
    assert {node.state for node in drawing.nodes if not node.optional} == {"done"}
    assert [node.state for node in drawing.nodes if node.optional] == ["not_started"]
    assert "You have finished 10 of 11 steps." in drawing.description


def test_topic_dots_are_drawn_as_runs_of_one_state(roadmap, user):
    topics = [t for t in _topics(roadmap) if t.step.number == 2]
    states = ["done", "done", "learning", "skipped", "skipped", "done"]
    for topic, state in zip(topics, states, strict=False):
        services.mark_topic(user=user, topic=topic, status=state)
    drawing = build_map(roadmap, selectors.phases_with_steps(roadmap), progress=selectors.progress_for(user, roadmap))
    node = next(n for n in drawing.nodes if n.number == 2)
    runs = node.dot_runs
    assert [state for state, _path, _dashes in runs] == ["done", "learning", "skipped", "done", "not_started"]
    spacing = node.dots[1].x - node.dots[0].x
    assert runs[0][2] == f"0 {spacing:.2f}"
    # Each run starts at its first dot and ends a hair past its last.
    assert runs[0][1] == f"M{node.dots[0].x:.1f} {node.dots[0].y:.0f}H{node.dots[1].x + 0.01:.2f}"
    assert sum(1 for dot in node.dots) == 11


def test_a_step_whose_topics_are_all_skipped_is_skipped(roadmap, user):
    step = Step.objects.get(roadmap=roadmap, number=1)
    services.step_mark_done(user=user, step=step)
    for topic in step.topics.all():
        services.mark_topic(user=user, topic=topic, status=TopicProgress.Status.SKIPPED)
    drawing = build_map(roadmap, selectors.phases_with_steps(roadmap), progress=selectors.progress_for(user, roadmap))
    first = drawing.nodes[0]
    assert (first.number, first.state, first.counts.skipped) == (1, "skipped", 6)
    assert drawing.here.number == 2


@pytest.mark.parametrize("orientation", ["wide", "tall"])
def test_map_geometry_keeps_nodes_inside_their_phase_and_the_drawing(roadmap, orientation):
    drawing = build_map(roadmap, selectors.phases_with_steps(roadmap), orientation=orientation)
    assert len(drawing.nodes) == 11
    assert len(drawing.edges) == 10
    for band in drawing.phases:
        for node in band.nodes:
            assert band.x <= node.x
            assert node.right <= band.x + band.w
            assert band.y <= node.y
            assert node.bottom <= band.y + band.h
            assert len(node.lines) in (1, 2)
            assert all(dot.x < node.count_text.x for dot in node.dots)
        assert band.x + band.w <= drawing.width
        assert band.y + band.h <= drawing.height
    if orientation == "wide":
        # Left to right by month: each phase starts where the one before ends.
        xs = [band.x for band in drawing.phases]
        assert xs == sorted(xs)
        assert len(set(xs)) == 4
    else:
        ys = [band.y for band in drawing.phases]
        assert ys == sorted(ys)
        assert len({band.x for band in drawing.phases}) == 1


def test_home_page_shows_the_map(client, roadmap):
    html = client.get("/").content.decode()
    assert "roadmap-map" in html
    assert "is-compact" in html
    assert len(_map_links(html)) == 11


def test_anonymous_roadmap_page_with_its_map_stays_at_three_queries(client, roadmap, django_assert_max_num_queries):
    # The roadmap, its phases, their steps with topic counts.
    with django_assert_max_num_queries(3):
        response = client.get("/roadmaps/ai-engineer/")
    assert "map-wide" in response.content.decode()


@pytest.mark.parametrize("steps_per_phase", [1, 3])
def test_drawing_the_map_costs_no_query(db, user, steps_per_phase, django_assert_num_queries):
    roadmap = build_roadmap(steps_per_phase=steps_per_phase, topics_per_step=5)
    phases = selectors.phases_with_steps(roadmap)
    progress = selectors.progress_for(user, roadmap)
    with django_assert_num_queries(0):
        maps = build_maps(roadmap, phases, progress=progress, expected_phase_id=phases[1].pk)
    assert len(maps["wide"].nodes) == len(maps["tall"].nodes) == 4 * steps_per_phase
    assert maps["wide"].here.number == 1
