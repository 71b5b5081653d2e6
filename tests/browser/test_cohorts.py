"""The cohort story in Chromium, end to end, with emails through a real SMTP server:

A creates a cohort and invites B by a join link and C by email; B (who has an account) logs in from
the link and joins with consent; C (who has none) signs up from the email, confirms the address and
lands back on the invitation to join; B marks topics done; A sees it on the board; A nudges C (the
email arrives); C leaves, and is gone from A's board on the next load. Screenshots of the board at
1280 and 360 px go to /tmp (looked at by hand)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.models import Membership
from roadmap.models import Topic
from tests.browser.test_accessibility import AXE, _axe_violations, _sign_in
from tests.conftest import _missing
from tests.factories import UserFactory, insert_roadmap

pytestmark = [pytest.mark.browser]

PASSWORD = "a long and unusual passphrase 7"
SHOTS = "/tmp/cohort-{}.png"


@pytest.fixture(autouse=True)
def _tasks_in_process(tasks_in_process):
    """Invitations and nudges are sent by tasks run in the live server's process."""


def _account(username, name):
    user = UserFactory(username=username, email=f"{username}@example.com", display_name=name)
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def _log_in(page, base, username, *, from_login_page=True):
    if from_login_page:
        page.goto(base + "/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _link_in(message, pattern):
    body = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+({pattern}\S*)", body).group(1)


def _messages_to(smtp, address):
    return [m for m in smtp.messages if address in m["To"]]


def test_a_cohort_from_creation_to_a_member_leaving(
    transactional_db, roadmap_rows, live_server, browser, smtp_settings
):
    insert_roadmap(roadmap_rows)
    base = live_server.url
    _account("ada", "Ada Lovelace")
    _account("bea", "Bea Builder")
    console_errors = []

    def context(width=1280, height=900):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        return ctx, page

    # --- A creates the cohort, makes a join link and invites C by email --------------------------------
    a_ctx, a = context()
    _log_in(a, base, "ada")
    # The header (drawn for wide and narrow screens) links to the cohorts.
    assert a.locator("header a[href='/cohorts/']").count() >= 1
    a.goto(base + "/cohorts/")
    expect(a.get_by_role("heading", name="No cohort yet")).to_be_visible()
    a.get_by_role("link", name="Start a cohort").click()
    a.get_by_label("Name").fill("Evening ML Club")
    a.get_by_label("Description").fill("We meet on **Thursdays** at 19:00.")
    a.get_by_role("button", name="Create the cohort").click()
    a.wait_for_url("**/cohorts/evening-ml-club/manage/")
    assert "is ready" in a.locator(".messages").inner_text()
    a.get_by_role("button", name="Make a link").click()
    join_link = a.locator(".invite-url").first.input_value()
    assert re.fullmatch(r"http://[^/]+/cohorts/join/[\w-]{32}/", join_link)
    a.get_by_label("Email address").fill("cat@example.com")
    a.get_by_role("button", name="Send invitation").click()
    assert "Invitation sent to cat@example.com" in a.locator(".messages").inner_text()
    assert smtp_settings.wait_for(1, timeout=10)
    [invitation] = _messages_to(smtp_settings, "cat@example.com")
    cat_link = _link_in(invitation, "/cohorts/join/")
    expect(a.locator(".invite-table")).to_contain_text("Pending")

    # --- B follows the link, logs in, reads what is shared and joins with consent ------------------
    b_ctx, b = context()
    # The link is written with SITE_URL; the same path on the test server.
    b.goto(base + "/" + join_link.split("://", 1)[1].split("/", 1)[1])
    expect(b.get_by_role("heading", name="What joining shares")).to_be_visible()
    assert "your private notes on topics" in b.locator(".consent-card").inner_text()
    b.get_by_role("link", name="I have an account: log in").click()
    _log_in(b, base, "bea", from_login_page=False)
    b.wait_for_url("**/cohorts/join/**")
    # Without consent nothing happens, and the page says why.
    b.get_by_role("button", name="Join the cohort").click()
    expect(b.locator(".errorlist")).to_contain_text("Tick the box")
    b.get_by_label("I agree to share this with the cohort's mentors").check()
    b.get_by_label("Align my plan to the cohort's start date").check()
    b.get_by_role("button", name="Join the cohort").click()
    b.wait_for_url("**/cohorts/evening-ml-club/")
    assert "Welcome to" in b.locator(".messages").inner_text()

    # --- C has no account: signs up from the email, confirms, lands back on the invitation ---------
    c_ctx, c = context()
    c.goto(base + cat_link)
    c.get_by_role("link", name="Sign up to join").click()
    c.get_by_label("Email", exact=True).fill("cat@example.com")
    c.get_by_label("Username", exact=True).fill("cat")
    c.get_by_label("Password", exact=True).fill(PASSWORD)
    c.get_by_label("Password (again)").fill(PASSWORD)
    c.get_by_role("button", name="Sign up").click()
    c.wait_for_url("**/accounts/confirm-email/")
    assert smtp_settings.wait_for(2, timeout=10)
    confirmation = next(m for m in _messages_to(smtp_settings, "cat@example.com") if "confirm" in m["Subject"].lower())
    c.goto(base + _link_in(confirmation, "/accounts/confirm-email/"))
    c.get_by_role("button", name="Confirm").click()
    c.wait_for_url("**/cohorts/join/**")
    c.get_by_label("I agree to share this with the cohort's mentors").check()
    c.get_by_role("button", name="Join the cohort").click()
    c.wait_for_url("**/cohorts/evening-ml-club/")

    # --- B makes progress -----------------------------------------------------------------------
    step = Topic.objects.filter(step__roadmap__slug="ai-engineer").order_by("step__number", "order").first().step
    b.goto(base + step.get_absolute_url())
    for index in range(2):
        b.locator(".topic").nth(index).get_by_role("button", name="Done").click()
        b.wait_for_function("i => document.querySelectorAll('.topic')[i].dataset.state === 'done'", arg=index)

    # --- A sees it on the board -----------------------------------------------------------------
    a.goto(base + "/cohorts/evening-ml-club/")
    bea_row = a.locator("tr", has=a.get_by_role("link", name="Bea Builder"))
    expect(bea_row).to_be_visible()
    total = step.topics.count()
    expect(bea_row.locator("td.cell").first).to_contain_text(str(round(100 * 2 / total)))
    expect(a.locator("tr", has=a.get_by_role("link", name="cat", exact=True))).to_be_visible()
    a.screenshot(path=SHOTS.format("desktop"), full_page=True)

    # Sorting by progress puts Bea first.
    a.get_by_role("link", name="Done").click()
    a.wait_for_url("**?sort=progress")
    assert a.locator("tbody th.member-cell").first.inner_text().startswith("Bea Builder")

    # --- A nudges C ---------------------------------------------------------------------------
    a.get_by_role("link", name="cat", exact=True).click()
    before = smtp_settings.count
    a.get_by_label("Message").fill("Step 1 is a good place to start, see you Thursday!")
    a.get_by_role("button", name="Send nudge").click()
    assert "Nudge sent to cat" in a.locator(".messages").inner_text()
    assert smtp_settings.wait_for(before + 1, timeout=10)
    nudge = [m for m in _messages_to(smtp_settings, "cat@example.com") if "a note for you" in m["Subject"]]
    assert len(nudge) == 1
    assert "see you Thursday" in nudge[0].get_body(("plain",)).get_content()

    # --- the phone view of the board ---------------------------------------------------------------
    p_ctx, phone = context(360, 740)
    phone.context.add_cookies(a_ctx.cookies())
    phone.goto(base + "/cohorts/evening-ml-club/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=SHOTS.format("phone"), full_page=True)
    p_ctx.close()

    # --- C leaves, and is gone from A's board on the next load ---------------------------------------
    c.goto(base + "/cohorts/evening-ml-club/")
    c.get_by_role("link", name="Leave").click()
    c.get_by_role("button", name="Leave the cohort").click()
    c.wait_for_url("**/cohorts/")
    assert "Its mentors no longer see your progress" in c.locator(".messages").inner_text()
    a.goto(base + "/cohorts/evening-ml-club/")
    expect(a.locator("tbody")).not_to_contain_text("cat")
    assert a.locator("tbody th.member-cell").count() == 1
    assert not Membership.objects.filter(user__username="cat").exists()
    c.goto(base + "/cohorts/evening-ml-club/")
    assert "Page not found" in c.content()

    for ctx in (a_ctx, b_ctx, c_ctx):
        ctx.close()
    # The only failed loads: the join form sent without consent (400) and the cohort C left (404).
    assert [e for e in console_errors if "status of 400" not in e and "status of 404" not in e] == []


# --- accessibility of every cohort page ---------------------------------------------------------


@pytest.fixture
def axe_path():
    if not AXE.exists():
        _missing(f"axe-core is not installed at {AXE} (run `npm ci`)")
    return str(AXE)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_cohort_pages_have_no_wcag_21_aa_violations(
    transactional_db, roadmap_rows, live_server, browser, axe_path, scheme
):
    """axe-core (WCAG 2.1 A/AA) on each cohort page, as its owner, as a member and signed out; and no
    Content-Security-Policy violation on any of them."""
    from cohorts import invitations, services
    from roadmap.services import mark_topic
    from tests.cohorts.conftest import join

    roadmap = insert_roadmap(roadmap_rows)
    ada = _account("ada", "Ada Lovelace")
    bea = _account("bea", "Bea Builder")
    cohort = services.cohort_create(
        owner=ada,
        name="Evening ML Club",
        description="We meet on **Thursdays**.",
        roadmap=roadmap,
        start_date=timezone.localdate() - timedelta(days=45),
    )
    join(cohort, bea, by=ada)
    for topic in Topic.objects.filter(step__roadmap=roadmap).order_by("step__number", "order")[:3]:
        mark_topic(user=bea, topic=topic, status="done")
    link = invitations.invite_link_create(cohort=cohort, by=ada)
    invitations.invite_email_create(cohort=cohort, by=ada, email="cat@example.com")
    slug = cohort.slug
    pages = {
        ada: [
            "/cohorts/",
            "/cohorts/new/",
            f"/cohorts/{slug}/",
            f"/cohorts/{slug}/manage/",
            f"/cohorts/{slug}/members/bea/",
            f"/cohorts/{slug}/edit/",
            f"/cohorts/{slug}/transfer/",
            f"/cohorts/{slug}/delete/",
            f"/cohorts/{slug}/members/bea/remove/",
        ],
        bea: [f"/cohorts/{slug}/", f"/cohorts/{slug}/leave/"],
        None: [link.get_absolute_url()],
    }
    fresh = _account("cal", "Cal")
    pages[fresh] = [link.get_absolute_url()]
    problems, csp = {}, []
    for user, paths in pages.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme, bypass_csp=True)
        if user is not None:
            _sign_in(context, live_server, user)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{path}: {response.status}"
            if violations := _axe_violations(page, axe_path):
                problems[f"{path} as {user or 'anonymous'} ({scheme})"] = violations
        context.close()
    assert not problems, "\n".join(f"{page}:\n  " + "\n  ".join(v) for page, v in problems.items())
    assert csp == []
