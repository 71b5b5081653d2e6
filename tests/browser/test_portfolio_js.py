"""portfolio.js in Chromium: copying the share link through the Clipboard API (and saying how to copy
by hand without it), and a drag-and-drop reorder that the server refuses putting the list back."""

import pytest
from allauth.account.models import EmailAddress

from portfolio import services
from tests.factories import ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def ada(transactional_db, live_server, settings):
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


def test_copy_link_writes_the_link_to_the_clipboard(ada, live_server, page):
    project = services.project_create(owner=ada, title="RAG bot", overview="Answers questions.", visibility="public")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + project.get_absolute_url())
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == live_server.url + "/u/ada/rag-bot/"


def test_without_the_clipboard_api_the_link_is_selected_and_the_page_says_how_to_copy(ada, live_server, page):
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});")
    page.goto(live_server.url + "/u/ada/")
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Copying is not available in this browser").wait_for()
    assert "press Ctrl+C" in page.locator("[data-copy-status]").inner_text()
    focused = page.evaluate("document.activeElement.id")
    selection = page.evaluate("(i => i.value.slice(i.selectionStart, i.selectionEnd))(document.activeElement)")
    assert (focused, selection) == ("share-url", live_server.url + "/u/ada/")


def test_a_refused_reorder_puts_the_list_back_and_says_so(ada, live_server, page):
    for i, title in enumerate(["Alpha", "Beta", "Gamma"]):
        ProjectFactory(owner=ada, title=title, position=i)
    _log_in(page, live_server.url)
    page.goto(live_server.url + "/portfolio/")
    page.route("**/portfolio/reorder/", lambda route: route.fulfill(status=500, body="Server error"))
    page.locator("#project-gamma").drag_to(page.locator("#project-alpha"), target_position={"x": 20, "y": 5})
    page.get_by_text("The new order could not be saved, so the list is back as it was.").wait_for()
    assert page.locator(".project-row-title").all_inner_texts() == ["Alpha", "Beta", "Gamma"]
    assert [p.title for p in ada.projects.order_by("position")] == ["Alpha", "Beta", "Gamma"]


def test_a_reorder_without_network_puts_the_list_back(ada, live_server, page):
    for i, title in enumerate(["Alpha", "Beta"]):
        ProjectFactory(owner=ada, title=title, position=i)
    _log_in(page, live_server.url)
    page.goto(live_server.url + "/portfolio/")
    page.route("**/portfolio/reorder/", lambda route: route.abort("internetdisconnected"))
    page.locator("#project-beta").drag_to(page.locator("#project-alpha"), target_position={"x": 20, "y": 5})
    page.get_by_text("The new order could not be saved").wait_for()
    assert page.locator(".project-row-title").all_inner_texts() == ["Alpha", "Beta"]
