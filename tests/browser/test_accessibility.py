"""Accessibility and page quality in Chromium: axe-core finds no WCAG 2.1 A/AA violation on the main
pages in light and dark schemes; the strict CSP reports no violation (admin and API docs included);
public pages are small and load nothing from another site."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.unsubscribe import make_token
from search.services import reindex_all
from tests.conftest import _missing
from tests.factories import insert_roadmap

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PUBLIC_PAGE_BUDGET = 100 * 1024


def _url(name, *args):
    """The path of a named page, or None while the page does not exist (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@pytest.fixture(scope="session")
def axe_script():
    if not AXE.exists():
        _missing(f"axe-core is not installed at {AXE} (run `npm ci`)")
    return str(AXE)


@pytest.fixture
def site(transactional_db, roadmap_rows, owner, staff):
    """The real roadmap, a learner with a public portfolio and a published project, and their URLs."""
    from portfolio import services as portfolio_services

    roadmap = insert_roadmap(roadmap_rows)
    owner.portfolio_public = True
    owner.show_progress = True
    owner.display_name = "Olivia Owner"
    owner.headline = "Backend developer becoming an AI engineer"
    owner.save()
    project = portfolio_services.project_create(
        owner=owner,
        title="Churn predictor",
        overview="Predicts which customers will leave, **weeks** ahead.",
        tech_stack={"backend": ["FastAPI"], "ml": ["XGBoost", "pandas"]},
        features=[{"text": "Explainable predictions", "metric": "AUC 0.91"}],
        repository_url="https://github.com/owner/churn",
    )
    portfolio_services.project_publish(project=project)
    # The roadmap went in in bulk (no signals): index it for the search pages.
    reindex_all()
    step = roadmap.steps.order_by("number").first()
    return {
        "roadmap": roadmap,
        "step": step,
        "project": project,
        "public": {
            "landing": "/",
            "roadmap": reverse("roadmap:detail", args=[roadmap.slug]),
            "step": reverse("roadmap:step", args=[roadmap.slug, step.slug]),
            "project ideas": reverse("roadmap:projects", args=[roadmap.slug]),
            "public portfolio": _url("portfolio:public_profile", owner.username),
            "public project": project.get_absolute_url(),
            "search": "/search/",
            "search results": "/search/?q=transformer",
            "unsubscribe": f"/reminders/unsubscribe/{make_token(owner)}/",
            "about": "/about/",
            "self-check": _url("practice:check", roadmap.slug, step.slug),
        },
        "signed_in": {
            "dashboard": _url("dashboard"),
            "settings": _url("settings"),
            "portfolio editor": _url("portfolio:project_edit", project.slug),
            "new project": _url("portfolio:project_create"),
            "step (signed in)": reverse("roadmap:step", args=[roadmap.slug, step.slug]),
            "roadmap map (signed in)": reverse("roadmap:detail", args=[roadmap.slug]),
            "search results (signed in)": "/search/?q=python",
            "self-check (signed in)": _url("practice:check", roadmap.slug, step.slug),
            "review": _url("practice:review"),
            "calendar feed": _url("practice:calendar"),
        },
    }


def _sign_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def _axe_violations(page, axe_script):
    page.add_script_tag(path=axe_script)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) + ": " + node.get("failureSummary", "")[:200] for node in v["nodes"][:5])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_wcag_21_aa_violations(site, live_server, browser, axe_script, owner, scheme):
    problems = {}
    for signed_in in (False, True):
        # bypass_csp: axe is injected as an inline script, which the site's CSP (rightly) refuses. A browser
        # away from UTC, so that the dashboard shows its offer of the browser's time zone too.
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, color_scheme=scheme, bypass_csp=True, timezone_id="Europe/Berlin"
        )
        if signed_in:
            _sign_in(context, live_server, owner)
        page = context.new_page()
        page.set_default_timeout(15_000)
        for name, path in site["signed_in" if signed_in else "public"].items():
            if path is None:
                continue
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{name}: {response.status}"
            if violations := _axe_violations(page, axe_script):
                problems[f"{name} ({scheme})"] = violations
        context.close()
    assert not problems, "\n".join(f"{page}:\n  " + "\n  ".join(v) for page, v in problems.items())


def test_no_page_reports_a_csp_violation(site, live_server, browser, owner, staff):
    """Chromium reports every blocked inline script, style or outside resource on the console."""
    pages = {
        False: [*site["public"].values(), reverse("account_login"), reverse("account_signup"), "/no-such-page/"],
        owner: [p for p in site["signed_in"].values() if p],
        staff: [
            "/admin/",
            "/admin/roadmap/step/",
            f"/admin/roadmap/step/{site['step'].pk}/change/",
            "/admin/portfolio/project/" if _url("admin:portfolio_project_changelist") else "/admin/",
            reverse("api-docs"),
        ],
    }
    violations = []
    for user, paths in pages.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        if user:
            _sign_in(context, live_server, user)
        page = context.new_page()
        page.set_default_timeout(15_000)
        current = {}
        page.on(
            "console",
            lambda message, current=current: (
                violations.append(f"{current['path']}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        for path in paths:
            current["path"] = path
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
        context.close()
    assert not violations, "\n".join(violations)


def test_api_docs_render_under_the_csp(site, live_server, page):
    page.goto(live_server.url + reverse("api-docs"))
    # Swagger UI builds its page with JavaScript: if the CSP blocked it, there would be no operations.
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 5


def test_public_pages_are_small_and_load_nothing_from_elsewhere(site, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    origin = urlsplit(live_server.url).netloc
    for name, path in site["public"].items():
        if path is None:
            continue
        sizes, outside = {}, []

        def record(response, sizes=sizes, outside=outside):
            if urlsplit(response.url).netloc != origin:
                outside.append(response.url)
            elif response.request.resource_type in ("document", "stylesheet", "script"):
                sizes[response.url] = len(response.body())

        page.on("response", record)
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.remove_listener("response", record)
        total = sum(sizes.values())
        assert not outside, f"{name} loads from another site: {outside}"
        assert any(url.endswith(".css") for url in sizes), f"{name}: no stylesheet measured"
        # Uncompressed bytes: what goes over the wire with compression is smaller still.
        assert total < PUBLIC_PAGE_BUDGET, f"{name}: {total} bytes of HTML+CSS+JS: {sizes}"
    context.close()
