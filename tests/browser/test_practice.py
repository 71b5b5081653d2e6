"""A learner takes a step's self-check and a review in Chromium, with and without JavaScript; the
practice pages pass axe-core (WCAG 2.1 AA) in light and dark schemes. Screenshots go to /tmp."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from practice.models import CheckAttempt, ReviewLog
from roadmap.models import Step, Topic, TopicProgress
from roadmap.services import mark_topic
from tests.browser.test_accessibility import AXE, WCAG_21_AA
from tests.conftest import _missing
from tests.factories import insert_roadmap

pytestmark = [pytest.mark.browser]


@pytest.fixture
def learner_world(transactional_db, roadmap_rows, user):
    roadmap = insert_roadmap(roadmap_rows)
    # Two done topics waiting for review: one with a question, one without.
    long_ago = timezone.now() - timedelta(days=4)
    for slug in ("python-numerical-computing", "math-integration"):
        row = mark_topic(user=user, topic=Topic.objects.get(slug=slug), status="done")
        TopicProgress.objects.filter(pk=row.pk).update(completed_at=long_ago)
    return roadmap


def _context(browser, live_server, user, **options):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _answer_all_right(page, step):
    for question in step.questions.prefetch_related("choices"):
        for choice in question.choices.all():
            if choice.correct:
                page.check(f"input[name='q{question.pk}'][value='{choice.pk}']")


def test_a_learner_takes_a_check_and_a_review(learner_world, live_server, browser, user):
    context, page = _context(browser, live_server, user)
    step = Step.objects.get(slug="python")
    page.goto(f"{live_server.url}/roadmaps/ai-engineer/steps/python/")
    page.click("text=Take the self-check")
    page.wait_for_url("**/steps/python/check/")
    # Submitting half-answered: the questions left are named, and the focus goes to the summary.
    first = step.questions.order_by("order").first()
    page.check(f"input[name='q{first.pk}'][value='{first.choices.filter(correct=True).first().pk}']")
    page.click("button:has-text('Check my answers')")
    summary = page.locator("#error-summary")
    assert "questions still need an answer" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.screenshot(path="/tmp/practice-check-errors.png", full_page=True)
    _answer_all_right(page, step)
    page.screenshot(path="/tmp/practice-check-form.png", full_page=True)
    page.click("button:has-text('Check my answers')")
    page.wait_for_url("**/check/attempts/*/")
    heading = page.locator("h1").inner_text()
    total = step.questions.count()
    assert heading == f"Passed: {total} of {total} right"
    assert page.locator(".result.is-right").count() == total
    assert page.locator(".explanation").count() == total
    page.screenshot(path="/tmp/practice-check-result.png", full_page=True)
    assert CheckAttempt.objects.get(user=user).passed

    # The step page now says so next to the progress.
    page.goto(f"{live_server.url}/roadmaps/ai-engineer/steps/python/")
    assert f"checked: {total}/{total}" in page.locator(".step-progress").inner_text()

    # The review: the topic with a question first, then the one rated by the learner.
    page.click(".header-menu-button")
    page.click(".header-menu-panel >> text=Review")
    page.wait_for_url("**/review/")
    assert "2 topics due today." in page.locator(".due-count").inner_text()
    page.screenshot(path="/tmp/practice-review.png", full_page=True)
    numpy = Topic.objects.get(slug="python-numerical-computing").questions.get()
    page.check(f"input[name='q{numpy.pk}'][value='{numpy.choices.filter(correct=True).first().pk}']")
    page.click("button:has-text('Check my answers')")
    page.wait_for_url("**/review/?reviewed=*")
    assert "Still solid: Numerical Computing" in page.locator("#last-review").inner_text()
    assert page.evaluate("document.activeElement.id") == "last-review"
    page.click("button:has-text('Need a refresher')")
    page.wait_for_url("**/review/?reviewed=*")
    assert "Worth a refresher: Integration" in page.locator("#last-review").inner_text()
    assert "Nothing to review today" in page.content()
    page.screenshot(path="/tmp/practice-review-done.png", full_page=True)
    assert list(ReviewLog.objects.order_by("id").values_list("remembered", flat=True)) == [True, False]

    # The dashboard counts it all.
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("[data-checks-passed]").inner_text() == "1"
    assert page.locator("[data-reviews-due]").inner_text() == "0"
    page.screenshot(path="/tmp/practice-dashboard.png", full_page=True)
    context.close()


def test_the_check_and_the_review_work_without_javascript(learner_world, live_server, browser, user):
    context, page = _context(browser, live_server, user, java_script_enabled=False)
    step = Step.objects.get(slug="git")
    page.goto(f"{live_server.url}/roadmaps/ai-engineer/steps/git/check/")
    _answer_all_right(page, step)
    page.click("button:has-text('Check my answers')")
    page.wait_for_url("**/check/attempts/*/")
    assert page.locator("h1").inner_text().startswith("Passed")
    page.goto(f"{live_server.url}/review/")
    page.click("button:has-text('Check my answers')")  # nothing chosen: a 400 naming the question
    assert "Question 1 has no answer yet." in page.content()
    context.close()


def test_practice_pages_pass_axe(learner_world, live_server, browser, user):
    if not AXE.exists():
        _missing(f"axe-core is not installed at {AXE} (run `npm ci`)")
    step = Step.objects.get(slug="sql")
    answers = {q.pk: [q.choices.first().pk] for q in step.questions.prefetch_related("choices")}
    from practice import services

    attempt, _ = services.check_submit(user=user, step=step, answers=answers)
    services.calendar_feed_reset(user=user)
    paths = [
        "/roadmaps/ai-engineer/steps/sql/check/",
        f"/roadmaps/ai-engineer/steps/sql/check/attempts/{attempt.pk}/",
        "/review/",
        "/review/calendar/",
        "/dashboard/",
    ]
    problems = {}
    for scheme in ("light", "dark"):
        context, page = _context(browser, live_server, user, color_scheme=scheme, bypass_csp=True)
        for path in paths:
            assert page.goto(live_server.url + path).status == 200
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                WCAG_21_AA,
            )
            if result["violations"]:
                problems[f"{path} ({scheme})"] = [
                    f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]
                ]
        if scheme == "dark":
            page.goto(f"{live_server.url}/roadmaps/ai-engineer/steps/sql/check/attempts/{attempt.pk}/")
            page.screenshot(path="/tmp/practice-check-result-dark.png", full_page=True)
            page.goto(f"{live_server.url}/review/calendar/")
            page.screenshot(path="/tmp/practice-calendar-dark.png", full_page=True)
        context.close()
    assert not problems, problems
