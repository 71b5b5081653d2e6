"""A new learner in a real browser: sign up -> verification email -> confirm -> log in -> open a step ->
mark a topic done -> the bars move -> the dashboard shows it. With JavaScript (in place, no reload) and
without it (POST + redirect back to the topic)."""

import re
from contextlib import contextmanager

import pytest
from django.core import mail
from playwright.sync_api import expect

from roadmap.models import Topic
from tests.factories import insert_roadmap

pytestmark = [pytest.mark.browser]

PASSWORD = "a long and unusual passphrase 7"


@pytest.fixture
def loaded(transactional_db, roadmap_rows):
    return insert_roadmap(roadmap_rows)


def _sign_up_verify_and_log_in(page, base, username):
    page.goto(base + "/accounts/signup/")
    page.get_by_label("Email", exact=True).fill(f"{username}@example.com")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    # The monthly email is opt-in: unticked until the learner asks for it.
    assert not page.get_by_label(re.compile("Send me one email a month")).is_checked()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert "Check your email" in page.content()

    [message] = [m for m in mail.outbox if f"{username}@example.com" in m.to]
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)
    page.goto(base + path)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    # Log out and back in with the username, as a returning learner would.
    if page.get_by_role("button", name="Log out", include_hidden=True).count():
        # Log out sits in the header's Account menu.
        page.locator(".header-menu-button").click()
        page.locator(".header-menu-panel").get_by_role("button", name="Log out").click()
        page.wait_for_load_state()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")
    assert "Start with step 1" in page.content()


def _bar_text(page, bar_id):
    return page.locator(f'[data-progress="{bar_id}"] [data-progress-text]').first.inner_text()


def test_sign_up_and_mark_a_topic_done_with_javascript(loaded, live_server, page):
    base = live_server.url
    # A script or style blocked by the Content-Security-Policy shows up as a console error.
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    _sign_up_verify_and_log_in(page, base, "jsuser")
    topic = Topic.objects.filter(step__slug="python").order_by("order").first()
    total = topic.step.topics.count()

    page.goto(base + "/roadmaps/ai-engineer/steps/python/")
    assert _bar_text(page, "step-python") == f"0 of {total} · 0%"
    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("window.__noReload = true")
    item = page.locator(f"#topic-{topic.slug}")
    item.get_by_role("button", name="Done").click()
    expected = f"1 of {total} · {round(100 / total)}%"
    page.wait_for_function(
        "([id, text]) => document.querySelector(`[data-progress='${id}'] [data-progress-text]`).textContent === text",
        arg=["step-python", expected],
    )
    assert page.evaluate("window.__noReload") is True
    assert page.url == base + "/roadmaps/ai-engineer/steps/python/"
    assert item.get_attribute("data-state") == "done"
    assert item.get_by_role("button", name="Done").get_attribute("aria-pressed") == "true"
    assert page.locator('[data-progress="step-python"] progress').first.evaluate("p => p.value") == round(100 / total)
    assert _bar_text(page, "phase-foundation").startswith("1 of ")

    # Keyboard: focus a button of the next topic and press "l" for learning.
    second = page.locator(".topic").nth(1)
    second.get_by_role("button", name="Not started").focus()
    page.keyboard.press("l")
    page.wait_for_function("el => el.dataset.state === 'learning'", arg=second.element_handle())
    assert page.evaluate("window.__noReload") is True

    # A private note, saved in place.
    item.get_by_text("Add a private note").click()
    item.get_by_label(f"Note on “{topic.title}”").fill("Revise **list comprehensions**")
    item.get_by_role("button", name="Save note").click()
    item.locator("[data-note-html] strong").wait_for()
    assert item.locator("[data-note-html]").inner_text().strip() == "Revise list comprehensions"

    page.goto(base + "/dashboard/")
    assert "Start with step 1" not in page.content()
    assert page.locator('[data-progress="overall"] [data-progress-text]').first.inner_text().startswith("1 of ")
    activity = page.locator(".stat-row", has_text="last 30 days").inner_text().replace("\n", " ")
    assert "1 topic finished in the last 30 days" in activity
    assert page.get_by_role("link", name=topic.title).count() >= 1

    page.goto(base + "/settings/")
    assert page.get_by_role("heading", name="Settings", exact=True).is_visible()
    assert console_errors == []

    # On a phone, nothing is wider than the screen.
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/dashboard/", "/roadmaps/ai-engineer/steps/python/", "/settings/", "/accounts/login/"):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path


def test_sign_up_and_mark_a_topic_done_without_javascript(loaded, live_server, page_nojs):
    page = page_nojs
    base = live_server.url
    _sign_up_verify_and_log_in(page, base, "nojsuser")
    topic = Topic.objects.filter(step__slug="python").order_by("order").first()
    total = topic.step.topics.count()

    page.goto(base + "/roadmaps/ai-engineer/steps/python/")
    item = page.locator(f"#topic-{topic.slug}")
    with page.expect_navigation():
        item.get_by_role("button", name="Done").click()
    # Back on the same page, at the same topic.
    assert page.url == base + f"/roadmaps/ai-engineer/steps/python/#topic-{topic.slug}"
    assert _bar_text(page, "step-python") == f"1 of {total} · {round(100 / total)}%"
    assert page.locator(f"#topic-{topic.slug}").get_attribute("data-state") == "done"

    with page.expect_navigation():
        page.get_by_role("button", name="Mark step done").click()
    assert _bar_text(page, "step-python") == f"{total} of {total} · 100%"

    page.goto(base + "/dashboard/")
    assert page.locator('[data-progress="overall"] [data-progress-text]').first.inner_text().startswith(f"{total} of ")


def test_mark_step_done_with_javascript_updates_in_place(loaded, live_server, page):
    from tests.factories import UserFactory

    user = UserFactory(username="stepper")
    user.emailaddress_set.create(email=user.email, verified=True, primary=True)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username or email").fill("stepper")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")

    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    page.goto(live_server.url + "/roadmaps/ai-engineer/steps/git/")
    requests.clear()
    page.get_by_role("button", name="Mark step done").click()
    expect(page.locator('[data-progress="step-git"] [data-progress-text]').first).to_contain_text("100%")
    # One fetch to the step's own progress URL, and no page load.
    posts = [url for method, url in requests if method == "POST"]
    assert posts == [live_server.url + "/roadmaps/ai-engineer/steps/git/progress/"]
    assert not [url for method, url in requests if method == "GET" and url.endswith("/steps/git/")]
    assert Topic.objects.filter(step__slug="git", progress__user=user, progress__status="done").count() == 4


def test_sign_up_sends_the_browsers_time_zone(live_server, browser):
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/accounts/signup/")
        expect(page.locator('input[name="timezone"]')).to_have_value("Asia/Tokyo")
    finally:
        context.close()


@contextmanager
def _logged_in(browser, live_server, username, timezone_id):
    """A verified learner on UTC, logged in through the form in a browser set to `timezone_id`."""
    from tests.factories import UserFactory

    user = UserFactory(username=username)
    user.emailaddress_set.create(email=user.email, verified=True, primary=True)
    context = browser.new_context(timezone_id=timezone_id)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username or email").fill(username)
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/dashboard/")
        yield user, page
    finally:
        context.close()


def test_an_account_on_utc_is_offered_the_browsers_time_zone(loaded, live_server, browser):
    """A GitHub sign-up starts on UTC (GitHub tells no time zone): the dashboard offers the browser's."""
    with _logged_in(browser, live_server, "fromgithub", "Asia/Tokyo") as (user, page):
        offer = page.locator("form[data-timezone-offer]")
        expect(offer).to_be_visible()
        expect(offer).to_contain_text("your browser is in Asia/Tokyo")
        page.get_by_role("button", name="Use Asia/Tokyo").click()
        page.wait_for_url("**/dashboard/")
        expect(page.locator(".messages")).to_contain_text("Your time zone is now Asia/Tokyo")
        expect(page.locator("form[data-timezone-offer]")).to_have_count(0)
        user.refresh_from_db()
        assert user.timezone == "Asia/Tokyo"


def test_keeping_utc_hides_the_offer_in_this_browser(loaded, live_server, browser):
    with _logged_in(browser, live_server, "likesutc", "America/Sao_Paulo") as (user, page):
        expect(page.locator("form[data-timezone-offer]")).to_be_visible()
        page.get_by_role("button", name="Keep UTC").click()
        expect(page.locator("form[data-timezone-offer]")).to_be_hidden()
        page.reload()
        expect(page.locator("form[data-timezone-offer]")).to_be_hidden()
        user.refresh_from_db()
        assert user.timezone == "UTC"


def test_a_browser_on_utc_sees_no_offer(loaded, live_server, browser):
    with _logged_in(browser, live_server, "onutc", "UTC") as (_, page):
        assert page.locator("h1").inner_text().startswith("Hi")
        expect(page.locator("form[data-timezone-offer]")).to_be_hidden()
