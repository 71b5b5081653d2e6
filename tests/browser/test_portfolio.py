"""A learner builds a project from an idea and shares it; visitors see the result, and hostile input
never runs script in Chromium."""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from PIL import Image

from portfolio.models import Project
from roadmap.models import Step
from tests.factories import UserFactory, insert_roadmap
from tests.portfolio.test_xss import hostile_user_and_project
from tests.portfolio.xss_payloads import PAYLOADS

pytestmark = [pytest.mark.browser]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def loaded(transactional_db, roadmap_rows):
    return insert_roadmap(roadmap_rows)


@pytest.fixture
def ada(loaded, live_server, settings):
    settings.SITE_URL = live_server.url
    user = UserFactory(username="ada", email="ada@example.com", display_name="Ada Lovelace", portfolio_public=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(page, base):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")


def test_learner_starts_fills_publishes_and_visitors_see_it(ada, live_server, page):
    base = live_server.url
    _log_in(page, base)

    # Start a project from an idea.
    page.goto(base + "/roadmaps/ai-engineer/projects/")
    card = page.locator("#idea-house-price-prediction")
    card.get_by_role("button", name="Start this project").click()
    page.wait_for_url("**/portfolio/house-price-prediction/edit/")
    assert "Started “House Price Prediction”" in page.content()
    assert page.get_by_label("Title").input_value() == "House Price Prediction"

    # Fill the showcase template.
    page.get_by_label("Problem and solution").fill("Predict sale prices from **tabular** data.")
    page.get_by_role("button", name="Preview Markdown").click()
    preview = page.locator("[data-preview-for=overview]")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "tabular"
    assert page.url.endswith("/edit/")  # previewed in place, nothing submitted
    page.get_by_label("Backend").fill("Python, FastAPI")
    page.get_by_label("ML/DL").fill("scikit-learn, XGBoost")
    page.get_by_label("Feature 1").fill("REST API for predictions")
    page.locator("input[name=features-0-metric]").fill("p95 120 ms")
    page.get_by_label("Deployment details").fill("Docker on **AWS ECS**.")
    page.get_by_label("Live demo URL").fill("https://demo.example.com/houses")
    page.get_by_label("Code repository URL").fill("https://github.com/ada/house-prices")
    page.get_by_label("Public (on my page)").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/portfolio/house-price-prediction/edit/")
    assert "was saved" in page.content()

    # And a draft that must stay private.
    page.goto(base + "/portfolio/new/")
    page.get_by_label("Title").fill("Secret draft project")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/portfolio/secret-draft-project/edit/")
    assert Project.objects.get(slug="secret-draft-project").visibility == "draft"

    # Log out (in the header's Account menu); the visitor opens the public page.
    page.locator(".header-menu-button").click()
    page.locator(".header-menu-panel").get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]
    page.goto(base + "/u/ada/")
    assert page.get_by_role("heading", level=1).inner_text() == "Ada Lovelace"
    titles = page.locator(".project-card-title")
    assert titles.all_inner_texts() == ["House Price Prediction"]
    assert "p95 120 ms" in page.content()
    assert "Secret draft project" not in page.content()
    assert (
        page.locator('meta[property="og:title"]').get_attribute("content") == "Ada Lovelace · AI engineering portfolio"
    )
    assert page.locator('link[rel="canonical"]').get_attribute("href") == base + "/u/ada/"

    # The project page and its share card.
    titles.get_by_role("link", name="House Price Prediction").click()
    page.wait_for_url("**/u/ada/house-price-prediction/")
    assert page.locator('meta[property="og:title"]').get_attribute("content") == "House Price Prediction"
    assert page.locator('link[rel="canonical"]').get_attribute("href") == base + "/u/ada/house-price-prediction/"
    image_url = page.locator('meta[property="og:image"]').get_attribute("content")
    assert re.fullmatch(re.escape(base) + r"/u/ada/house-price-prediction/share\.png\?v=[0-9a-f]{12}", image_url)
    response = page.request.get(image_url)
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.body()))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert page.locator(".tech-stack").inner_text().count("FastAPI") == 1
    assert page.locator("#code-repository ~ p a, section:has(#code-repository) a").first.get_attribute("href") == (
        "https://github.com/ada/house-prices"
    )

    # The draft is a 404 for the visitor.
    assert page.request.get(base + "/u/ada/secret-draft-project/").status == 404


def test_copy_link_button_appears_with_javascript_only(ada, live_server, page, page_nojs):
    url = live_server.url + "/u/ada/"
    page.goto(url)
    button = page.get_by_role("button", name="Copy link")
    assert button.is_visible()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    button.click()
    page.get_by_text("Link copied").wait_for()
    page_nojs.goto(url)
    assert not page_nojs.get_by_role("button", name="Copy link").is_visible()
    assert page_nojs.locator("#share-url").input_value() == url


def test_editor_works_without_javascript(ada, live_server, page_nojs):
    base = live_server.url
    _log_in(page_nojs, base)
    page_nojs.goto(base + "/portfolio/new/")
    page_nojs.get_by_label("Title").fill("No-JS project")
    page_nojs.get_by_label("Problem and solution").fill("A *small* model.")
    page_nojs.get_by_role("button", name="Preview Markdown").click()
    page_nojs.locator("[data-preview-for=overview] em").wait_for()
    assert page_nojs.get_by_label("Title").input_value() == "No-JS project"
    page_nojs.get_by_role("button", name="Save", exact=True).click()
    page_nojs.wait_for_url("**/portfolio/no-js-project/edit/")
    page_nojs.goto(base + "/portfolio/")
    page_nojs.get_by_role("button", name="Publish").click()
    assert "is published on your page" in page_nojs.content()


def test_no_dialog_fires_on_hostile_public_pages(loaded, live_server, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    projects = [hostile_user_and_project(i, payload) for i, payload in enumerate(PAYLOADS)]
    assert len(projects) >= 30
    for project in projects:
        for path in (f"/u/{project.owner.username}/", project.get_absolute_url()):
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            # Give autofocus, animation and load handlers a chance to run if anything got through.
            page.mouse.move(300, 300)
            page.keyboard.press("Tab")
    page.wait_for_timeout(300)
    assert dialogs == []


def test_portfolio_pages_fit_a_phone(ada, live_server, browser):
    from portfolio import services

    project = services.project_create(
        owner=ada,
        title="A rather long project title about retrieval augmented generation in production",
        overview="Overview",
        tech_stack={"backend": ["Python", "FastAPI"], "ml": ["Transformers", "sentence-transformers"]},
        features=[{"text": "Grounded answers", "metric": "faithfulness 0.93 on 500 questions"}],
        results=[{"metric": "Answer accuracy", "baseline": "0.61", "final": "0.84"}],
        visibility="public",
    )
    project.skills.set(Step.objects.order_by("number")[:4])
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    _log_in(page, live_server.url)
    for path in ("/u/ada/", project.get_absolute_url(), "/portfolio/", f"/portfolio/{project.slug}/edit/"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    context.close()


def test_drag_and_drop_reorders_my_projects(ada, live_server, page):
    from tests.factories import ProjectFactory

    for i, title in enumerate(["Alpha", "Beta", "Gamma"]):
        ProjectFactory(owner=ada, title=title, position=i)
    _log_in(page, live_server.url)
    page.goto(live_server.url + "/portfolio/")
    with page.expect_navigation():  # the page reloads once the new order is saved
        page.locator("#project-gamma").drag_to(page.locator("#project-alpha"), target_position={"x": 20, "y": 5})
    assert page.locator(".project-row-title").all_inner_texts() == ["Gamma", "Alpha", "Beta"]
    assert [p.title for p in ada.projects.order_by("position")] == ["Gamma", "Alpha", "Beta"]
