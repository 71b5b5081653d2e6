"""The map in Chromium: its nodes are links reached with the keyboard, with a visible focus, named for
assistive technology by their step and progress; it fits the screen at 1280 and 360 px."""

import pytest

from roadmap.loader import roadmap_load

pytestmark = [pytest.mark.browser]


@pytest.fixture
def site(transactional_db, roadmap_data):
    return roadmap_load(data=roadmap_data).roadmap


def test_map_nodes_are_keyboard_links_with_a_visible_focus(site, live_server, page):
    page.goto(live_server.url + "/roadmaps/ai-engineer/")
    links = page.locator(".map-frame-wide a.map-link")
    assert links.count() == 11
    # Named by their <title>: the step, its whole title and its topics.
    assert page.get_by_role("link", name="Step 7: Generative AI & AI Agents, 15 topics").count() == 1
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.map-frame-wide a.map-link')"):
            break
    else:
        pytest.fail("Tab never reached the map")
    focused = page.evaluate(
        """() => {
        const box = document.activeElement.querySelector('.map-box');
        return {stroke: getComputedStyle(box).stroke, width: getComputedStyle(box).strokeWidth,
                focus: getComputedStyle(document.documentElement).getPropertyValue('--focus').trim()};
    }"""
    )
    assert focused["width"] == "4px"
    assert focused["stroke"] == "rgb(245, 158, 11)"  # --focus: #f59e0b
    page.keyboard.press("Enter")
    page.wait_for_url("**/steps/python/")


@pytest.mark.parametrize(("width", "shown", "hidden"), [(1280, "wide", "tall"), (360, "tall", "wide")])
def test_one_orientation_fits_each_screen(site, live_server, browser, width, shown, hidden):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/roadmaps/ai-engineer/")
    assert page.locator(f".map-frame-{shown}").is_visible()
    assert not page.locator(f".map-frame-{hidden}").is_visible()
    box = page.locator(f".map-frame-{shown} svg").bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
