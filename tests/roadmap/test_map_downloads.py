"""The map as files (roadmap/map_views.py): SVG and PNG, plain or with `?u=` a learner's progress, which
is drawn only when their page is public, not hidden, the account active and progress shown on it."""

import io
import re

import pytest
from django.core.cache import cache
from PIL import Image

from roadmap import selectors, services
from roadmap.models import Step, TopicProgress
from tests.factories import UserFactory

SVG = "/roadmaps/ai-engineer/map.svg"
PNG = "/roadmaps/ai-engineer/map.png"


@pytest.fixture
def learner(db, roadmap):
    user = UserFactory(username="ada", display_name="Ada Lovelace", portfolio_public=True, show_progress=True)
    topics = [t for step in selectors.steps_in_order(roadmap) for t in step.topics.order_by("order", "id")]
    for topic in topics[:6]:
        services.mark_topic(user=user, topic=topic, status=TopicProgress.Status.DONE)
    return user


def test_plain_svg_is_a_standalone_drawing_of_every_step(client, roadmap):
    response = client.get(SVG)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="ai-engineer-map.svg"'
    svg = response.content.decode()
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    # Colours are attributes: no stylesheet, no class, no style attribute.
    assert "class=" not in svg
    assert "style=" not in svg
    assert "<style" not in svg
    assert len(re.findall(r'<a href="http[^"]+/roadmaps/ai-engineer/steps/[a-z-]+/"', svg)) == 11
    assert "Programming Fundamentals" in svg
    assert 'stroke-dasharray="6 4"' in svg
    assert "You are here" not in svg


def test_learners_svg_shows_their_progress(client, learner):
    svg = client.get(f"{SVG}?u=ada").content.decode()
    assert "AI Engineer Roadmap 2025/26: Ada Lovelace" in svg
    assert "6 of 76 required topics done" in svg
    assert "<title>Step 1: Programming Fundamentals (Python). 6 of 6 topics done</title>" in svg
    assert ">You are here<" in svg
    assert "You are at step 2, Mathematics for AI." in svg


def test_png_is_a_real_image_of_the_map(client, learner):
    response = client.get(PNG)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.size[0] == 2 * (1120 + 32)
    personal = client.get(f"{PNG}?u=ada")
    assert personal["Content-Disposition"] == 'inline; filename="ai-engineer-map-ada.png"'
    assert personal.content != response.content
    # The finished first step is drawn in the success colour (#dcfce7 inside its box).
    colours = {colour for _count, colour in Image.open(io.BytesIO(personal.content)).convert("RGB").getcolors(1 << 20)}
    assert (0xDC, 0xFC, 0xE7) in colours
    assert (0xDC, 0xFC, 0xE7) not in {c for _n, c in image.convert("RGB").getcolors(1 << 20)}


def test_png_is_cached_and_versioned_with_the_learners_progress(
    client, learner, roadmap, django_assert_max_num_queries
):
    first = client.get(f"{PNG}?u=ada").content
    # The first drawing also creates the scopes' versions in the cache, so it is kept from the next.
    assert client.get(f"{PNG}?u=ada").content == first
    # A hit: the roadmap and the learner only, no drawing.
    with django_assert_max_num_queries(2):
        assert client.get(f"{PNG}?u=ada").content == first
    step = Step.objects.get(roadmap=roadmap, number=2)
    services.step_mark_done(user=learner, step=step)
    assert client.get(f"{PNG}?u=ada").content != first


def test_png_follows_roadmap_edits(client, roadmap):
    first = client.get(PNG).content
    step = Step.objects.get(roadmap=roadmap, number=1)
    step.title = "Python, the language"
    step.save()
    assert client.get(PNG).content != first


@pytest.mark.parametrize(
    ("change", "visible", "page_status"),
    [
        ({}, True, 200),
        ({"portfolio_public": False}, False, 404),
        ({"page_hidden": True}, False, 404),
        ({"show_progress": False}, False, 200),
        ({"is_active": False}, False, 404),
    ],
    ids=["public", "private-page", "hidden-page", "progress-not-shown", "inactive-user"],
)
@pytest.mark.parametrize("path", [SVG, PNG])
def test_learners_map_only_when_their_page_is_public_and_shows_progress(
    client, learner, change, visible, page_status, path
):
    for name, value in change.items():
        setattr(learner, name, value)
    learner.save()
    cache.clear()
    response = client.get(f"{path}?u=ada")
    assert response.status_code == (200 if visible else 404)
    # The rule agrees with the public page itself: the map needs the page, and progress shown on it.
    page = client.get("/u/ada/")
    assert page.status_code == page_status
    if page_status == 200:
        assert ("% done" in page.content.decode() or "of 76" in page.content.decode()) is visible
    if not visible:
        assert b"Ada" not in response.content


@pytest.mark.parametrize("query", ["?u=nobody", "?u=", f"?u={'x' * 31}", "?u=a%20b", "?u=%00"])
def test_unknown_or_malformed_learner_is_a_4xx(client, roadmap, query):
    # A NUL is refused by the site's bad-input middleware (400) before the view's 404.
    expected = 400 if "%00" in query else 404
    assert client.get(f"{SVG}{query}").status_code == expected
    assert client.get(f"{PNG}{query}").status_code == expected


def test_username_spelled_otherwise_redirects_to_the_stored_one(client, learner):
    response = client.get(f"{SVG}?u=ADA")
    assert response.status_code == 301
    assert response["Location"] == f"{SVG}?u=ada"


def test_learner_may_download_their_own_map_from_a_private_page(client, learner, outsider):
    learner.portfolio_public = False
    learner.save()
    client.force_login(outsider)
    assert client.get(f"{SVG}?u=ada").status_code == 404
    client.force_login(learner)
    response = client.get(f"{SVG}?u=ada")
    assert response.status_code == 200
    assert "Ada Lovelace" in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_unpublished_roadmap_has_no_map(client, roadmap):
    roadmap.published = False
    roadmap.save()
    assert client.get(SVG).status_code == 404
    assert client.get(PNG).status_code == 404


def test_anonymous_svg_is_served_from_the_page_cache(client, learner):
    assert client.get(f"{SVG}?u=ada")["X-Page-Cache"] == "miss"
    # The first render created the scopes' versions in the cache (the learner's progress is read
    # through cached_value): the page is kept from the second.
    client.get(f"{SVG}?u=ada")
    assert client.get(f"{SVG}?u=ada")["X-Page-Cache"] == "hit"
    learner.show_progress = False
    learner.save()
    assert client.get(f"{SVG}?u=ada").status_code == 404
