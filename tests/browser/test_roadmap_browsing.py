"""A visitor browses the roadmap in a real browser: landing -> roadmap -> step -> topics."""

import pytest

from tests.factories import insert_roadmap

pytestmark = [pytest.mark.browser]


@pytest.fixture
def loaded(transactional_db, roadmap_rows):
    return insert_roadmap(roadmap_rows)


def test_visitor_goes_from_landing_to_a_step_and_sees_its_topics(loaded, live_server, page):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Become an AI engineer")

    page.get_by_role("link", name="Read the roadmap").click()
    page.wait_for_url("**/roadmaps/ai-engineer/")
    assert page.get_by_role("heading", name="Core ML").is_visible()

    page.get_by_role("link", name="Deep Learning").first.click()
    page.wait_for_url("**/roadmaps/ai-engineer/steps/deep-learning/")
    assert page.get_by_role("heading", level=1).inner_text() == "Deep Learning"
    topics = page.locator(".topic-title").all_inner_texts()
    assert "Transformers - NLP Tasks" in [t.strip() for t in topics]
    assert page.get_by_role("heading", name="Advanced Topics").is_visible()

    page.get_by_role("link", name="5. Natural Language Processing (NLP)").click()
    page.wait_for_url("**/steps/nlp/")
    assert "Word Embeddings (Word2Vec, GloVe)" in page.content()


def test_layout_holds_on_a_phone(loaded, live_server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/roadmaps/ai-engineer/steps/mlops/")
    # Nothing is wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
