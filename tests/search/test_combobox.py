"""As-you-type suggestions in Chromium (static/js/search.js): an ARIA combobox over the plain form,
driven by the keyboard; without JavaScript the form still searches."""

import pytest

from roadmap.loader import roadmap_load
from search.services import reindex_all

pytestmark = [pytest.mark.browser]


@pytest.fixture
def site(transactional_db, roadmap_data):
    roadmap_load(data=roadmap_data)
    reindex_all()


def test_suggestions_are_a_keyboard_combobox(site, live_server, page):
    page.goto(live_server.url + "/roadmaps/ai-engineer/")
    box = page.locator("#site-search")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("transf", delay=40)
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.get_by_role("option")
    assert "Transformers" in options.all_inner_texts()[0] or "Transformers" in " ".join(options.all_inner_texts())
    assert listbox.locator("mark").first.inner_text().lower().startswith("transf")
    # Arrow keys move the active option; the input keeps the focus.
    box.press("ArrowDown")
    first = options.nth(0)
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    second = options.nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert first.get_attribute("aria-selected") == "false"
    # Escape closes; Enter on an option goes to it.
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert not listbox.is_visible()
    box.press("ArrowDown")
    target = options.nth(0).get_attribute("data-url")
    box.press("Enter")
    page.wait_for_url(f"**{target}")


def test_enter_without_a_chosen_option_submits_the_search(site, live_server, page):
    page.goto(live_server.url + "/")
    page.fill("#site-search", "docker")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=docker")
    assert page.locator("h1").inner_text() == "Results for “docker”"


def test_the_page_form_works_without_javascript(site, live_server, page_nojs):
    page_nojs.goto(live_server.url + "/search/")
    page_nojs.fill("#search-page-q", "pytorch")
    page_nojs.click(".search-form button[type=submit]")
    page_nojs.wait_for_url("**/search/?q=pytorch")
    assert "PyTorch" in page_nojs.locator(".search-results").first.inner_text()
