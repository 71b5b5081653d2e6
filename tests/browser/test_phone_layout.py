"""Phone first: at 360x740 no page of the site is wider than the screen (code, tables and long URLs
scroll in their own box or wrap), the header stays one row with a menu that works without JavaScript,
and the site has its icons.

PAGES below is the one list of the site's pages: a teammate adding a page appends it there (a
callable gets the `site` fixture's objects and returns the path, or None while the page does not
exist yet), and it is checked anonymous and/or signed in.
"""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from portfolio import services as portfolio_services
from roadmap.loader import roadmap_load

pytestmark = [pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
ANONYMOUS, SIGNED_IN, BOTH = "anonymous", "signed in", "both"


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _steps(site):
    return [step.get_absolute_url() for step in site["roadmap"].steps.order_by("number")]


# (name, path or callable(site) -> path | list of paths | None, who visits it)
PAGES = [
    ("home", "/", BOTH),
    ("roadmap", "/roadmaps/ai-engineer/", BOTH),
    ("every step", _steps, BOTH),
    ("project ideas", "/roadmaps/ai-engineer/projects/", ANONYMOUS),
    ("guide: tools", "/roadmaps/ai-engineer/tools/", ANONYMOUS),
    ("guide: career", "/roadmaps/ai-engineer/career/", ANONYMOUS),
    ("guide: resources", "/roadmaps/ai-engineer/resources/", ANONYMOUS),
    ("guide: advice", "/roadmaps/ai-engineer/advice/", ANONYMOUS),
    ("changes", "/roadmaps/ai-engineer/changes/", ANONYMOUS),
    ("search, empty", "/search/", ANONYMOUS),
    ("search, results", "/search/?q=transformer", BOTH),
    ("search, one kind", "/search/?q=python&kind=topic", ANONYMOUS),
    ("search, nothing found", "/search/?q=zzqxv", ANONYMOUS),
    ("dashboard", lambda site: _url("dashboard"), SIGNED_IN),
    ("settings", lambda site: _url("settings"), SIGNED_IN),
    ("API tokens", lambda site: _url("api_tokens"), SIGNED_IN),
    ("portfolio list", lambda site: _url("portfolio:project_list"), SIGNED_IN),
    ("portfolio editor", lambda site: _url("portfolio:project_edit", site["project"].slug), SIGNED_IN),
    ("new project", lambda site: _url("portfolio:project_create"), SIGNED_IN),
    ("public profile", lambda site: _url("portfolio:public_profile", site["owner"].username), BOTH),
    ("public project", lambda site: site["project"].get_absolute_url(), BOTH),
    ("cohorts", lambda site: _url("cohorts:list"), SIGNED_IN),
    ("new cohort", lambda site: _url("cohorts:create"), SIGNED_IN),
    ("API docs", lambda site: _url("api-docs"), ANONYMOUS),
    ("log in", lambda site: _url("account_login"), ANONYMOUS),
    ("sign up", lambda site: _url("account_signup"), ANONYMOUS),
    ("password reset", lambda site: _url("account_reset_password"), ANONYMOUS),
    ("about", lambda site: _url("about"), BOTH),
    ("self-check", lambda site: _url("practice:check", "ai-engineer", "python"), BOTH),
    ("review", lambda site: _url("practice:review"), SIGNED_IN),
    ("review calendar", lambda site: _url("practice:calendar"), SIGNED_IN),
    ("not found", "/no-such-page/", ANONYMOUS),
]


def _paths(site, who):
    result = []
    for name, path, visitors in PAGES:
        if visitors not in (who, BOTH):
            continue
        value = path(site) if callable(path) else path
        if value is None:
            continue
        for number, one in enumerate(value if isinstance(value, list) else [value]):
            result.append((f"{name} {number + 1}" if isinstance(value, list) else name, one))
    return result


@pytest.fixture
def site(transactional_db, roadmap_data, owner):
    roadmap = roadmap_load(data=roadmap_data).roadmap
    owner.portfolio_public = True
    owner.show_progress = True
    owner.display_name = "Olivia Owner"
    owner.website_url = "https://example.com/a/really/long/address/that/does/not/break/anywhere/at/all/on/a/phone"
    owner.save()
    project = portfolio_services.project_create(
        owner=owner,
        title="Churn predictor with a long title that has to wrap on a small phone screen",
        overview="Predicts churn.\n\n```python\n"
        + "x = 'a long line of code that must scroll in its own box' * 3\n```\n\n"
        "https://example.com/an/unbroken/link/that/is/much/wider/than/a/phone/screen/is/wide/really",
        tech_stack={"backend": ["FastAPI"], "ml": ["XGBoost"]},
        results=[{"metric": "Accuracy on the held-out test set", "baseline": "0.71", "final": "0.93"}],
        repository_url="https://github.com/owner/churn-predictor-with-a-really-long-repository-name",
    )
    portfolio_services.project_publish(project=project)
    from search.services import reindex_all

    reindex_all()
    return {"roadmap": roadmap, "project": project, "owner": owner}


def _sign_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


# The elements that stick out past the right edge, to say what to fix.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && getComputedStyle(element).position !== 'fixed') {
      let inScroller = false;
      for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) { inScroller = true; break; }
      }
      const name = element.tagName.toLowerCase() + '.' + String(element.className).split(' ')[0];
      if (!inScroller) wide.push(name + ' ' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


@pytest.mark.parametrize("who", [ANONYMOUS, SIGNED_IN])
def test_no_page_is_wider_than_a_phone(site, live_server, browser, who):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    if who == SIGNED_IN:
        _sign_in(context, live_server, site["owner"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    too_wide, visited = {}, 0
    for name, path in _paths(site, who):
        response = page.goto(live_server.url + path)
        assert response.status in (200, 404), f"{name}: {response.status}"
        visited += 1
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > PHONE["width"]:
            too_wide[f"{name} ({path})"] = measured
    context.close()
    assert visited >= (20 if who == ANONYMOUS else 15)
    assert not too_wide, "\n".join(f"{name}: {m['scrollWidth']} px wide; {m['wide']}" for name, m in too_wide.items())


@pytest.mark.parametrize("who", [ANONYMOUS, SIGNED_IN])
def test_header_is_one_row_with_a_menu_that_works_without_javascript(site, live_server, browser, who):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    if who == SIGNED_IN:
        _sign_in(context, live_server, site["owner"])
    page = context.new_page()
    page.goto(live_server.url + "/roadmaps/ai-engineer/")
    header = page.locator(".site-header .header-inner").bounding_box()
    assert header["height"] < 64
    tops = {round(page.locator(sel).bounding_box()["y"]) for sel in [".brand", ".header-search", ".header-menu-button"]}
    assert max(tops) - min(tops) < 20, tops
    menu = page.locator(".header-menu-panel")
    assert not menu.is_visible()
    page.click(".header-menu-button")
    assert menu.is_visible()
    links = menu.locator("a").all_inner_texts()
    assert "Roadmap" in links
    assert "What\u2019s new" in links
    assert ("Dashboard" in links) is (who == SIGNED_IN)
    assert ("Log in" in links) is (who == ANONYMOUS)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The search box works as a plain form.
    page.click(".header-menu-button")
    page.fill("#site-search", "docker")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=docker")
    assert "Results for “docker”" in page.content()
    context.close()


def test_wide_screen_header_shows_the_navigation_in_one_row(site, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    _sign_in(context, live_server, site["owner"])
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.locator(".site-header .header-inner").bounding_box()["height"] < 64
    assert page.locator(".header-nav .main-nav").is_visible()
    account = page.locator(".header-menu-button")
    assert account.inner_text().strip() == "Account"
    account.click()
    assert page.locator(".header-menu-panel .user-nav a", has_text="Settings").is_visible()
    assert not page.locator(".header-menu-panel .main-nav").is_visible()
    context.close()


def test_favicon_and_touch_icons(site, live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    for path, kind in [
        ("/favicon.ico", "image/"),
        ("/apple-touch-icon.png", "image/png"),
        ("/icon-192.png", "image/png"),
        ("/site.webmanifest", ""),
    ]:
        response = page.request.get(live_server.url + path)
        assert response.status == 200, path
        assert response.headers["content-type"].startswith(kind)
    page.goto(live_server.url + "/")
    assert page.locator('link[rel="apple-touch-icon"]').get_attribute("href") == "/apple-touch-icon.png"
    context.close()
