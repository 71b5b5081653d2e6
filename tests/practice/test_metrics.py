"""Honest progress and success metrics: skipped is never finished, a specialisation needs its check
passed, projects must fill the template, GitHub must be linked; the export holds the practice data."""

import json
from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.urls import reverse

from accounts import selectors as account_selectors
from portfolio.metrics import gaps_of, success_metrics
from practice import services
from roadmap.models import Step, Topic, TopicProgress
from roadmap.selectors import progress_for
from roadmap.services import mark_topic, mark_topics
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

FULL_PROJECT = {
    "overview": "A retrieval-augmented assistant for support tickets: it finds the three most similar solved "
    "tickets, drafts an answer with citations and hands it to an agent, who edits and sends it. "
    "Built to cut first-response time.",
    "repository_url": "https://github.com/ada/support-rag",
}


def _by_slug(metrics):
    return {metric.slug: metric for metric in metrics}


def _pass_check(user, slug):
    step = Step.objects.get(slug=slug)
    answers = {q.pk: [c.pk for c in q.choices.all() if c.correct] for q in step.questions.prefetch_related("choices")}
    services.check_submit(user=user, step=step, answers=answers)


def test_a_learner_who_skips_everything_ticks_nothing(client, roadmap, user):
    topics = list(Topic.objects.filter(step__roadmap=roadmap))
    mark_topics(user=user, changes=[(topic, "skipped") for topic in topics])
    for slug in ("nlp", "computer-vision", "generative-ai", "mlops"):
        _pass_check(user, slug)
    progress = progress_for(user, roadmap)
    assert (progress.overall.done, progress.overall.percent) == (0, 0)
    assert progress.overall.skipped == roadmap.steps.filter(optional=False).aggregate(n=Count("topics"))["n"]
    metrics = _by_slug(success_metrics(user, roadmap))
    assert not any(metric.achieved for metric in metrics.values())
    activity = account_selectors.activity(user)
    assert (activity["last_30_days"], activity["active_days"], activity["total_year"]) == (0, 0, 0)
    assert all(day.count == 0 for day in activity["days"])
    assert account_selectors.recent_completions(user, roadmap) == []
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    assert f"{progress.overall.skipped} topics skipped: left out of your plan" in page
    assert "Nothing finished in the last 30 days." in page


def test_percentages_are_done_over_the_topics_not_skipped(roadmap, user):
    step = Step.objects.get(slug="nlp")  # 4 topics
    a, b, *_others = step.topics.order_by("order")
    mark_topic(user=user, topic=a, status="done")
    mark_topic(user=user, topic=b, status="skipped")
    counts = progress_for(user, roadmap).step(step.pk)
    assert (counts.done, counts.total, counts.skipped, counts.percent) == (1, 3, 1, 33)


def test_a_specialisation_needs_eighty_percent_done_not_skipped_and_the_check_passed(roadmap, user):
    for slug in ("nlp", "computer-vision"):
        topics = list(Step.objects.get(slug=slug).topics.order_by("order"))
        # 3 of 4 done and the last skipped: 75% of the step's topics are done, not enough.
        mark_topics(user=user, changes=[(t, "done") for t in topics[:3]] + [(topics[3], "skipped")])
    metrics = _by_slug(success_metrics(user, roadmap))
    assert not metrics["specializations"].achieved
    assert "Natural Language Processing (NLP) 75%, check not passed" in metrics["specializations"].detail
    for slug in ("nlp", "computer-vision"):
        mark_topic(user=user, topic=Step.objects.get(slug=slug).topics.order_by("order").last(), status="done")
    assert not _by_slug(success_metrics(user, roadmap))["specializations"].achieved  # checks not passed yet
    _pass_check(user, "nlp")
    assert not _by_slug(success_metrics(user, roadmap))["specializations"].achieved
    _pass_check(user, "computer-vision")
    metric = _by_slug(success_metrics(user, roadmap))["specializations"]
    assert metric.achieved
    assert metric.detail.startswith("2 of 2 at 80%+ with the check passed")


def test_mlops_needs_the_step_done_and_its_check_passed(roadmap, user):
    mark_topics(user=user, changes=[(t, "done") for t in Step.objects.get(slug="mlops").topics.all()])
    assert not _by_slug(success_metrics(user, roadmap))["mlops"].achieved
    _pass_check(user, "mlops")
    metric = _by_slug(success_metrics(user, roadmap))["mlops"]
    assert metric.achieved
    assert metric.detail == "MLOps & Deployment: 100% done (needs 80%), check passed"


def test_only_projects_that_fill_the_template_count_and_the_editor_says_what_is_missing(client, roadmap, user):
    thin = ProjectFactory(owner=user, visibility="public", title="Overview 1", overview="Overview 1")
    for index in range(4):
        ProjectFactory(owner=user, visibility="public", title=f"Full {index}", **FULL_PROJECT)
    ProjectFactory(owner=user, visibility="draft", title="Full draft", **FULL_PROJECT)
    metric = _by_slug(success_metrics(user, roadmap))["projects"]
    assert not metric.achieved
    assert metric.detail.startswith("4 substantial projects of 5")
    assert gaps_of(thin) == [
        "an overview of at least 200 characters (it has 10)",
        "a code repository link",
    ]
    client.force_login(user)
    page = client.get(reverse("portfolio:project_edit", args=[thin.slug])).content.decode()
    assert "Not yet one of your “5+ substantial projects”." in page
    assert "a code repository link" in page
    ProjectFactory(owner=user, visibility="unlisted", title="Full unlisted", **FULL_PROJECT)
    assert _by_slug(success_metrics(user, roadmap))["projects"].achieved
    full = user.projects.get(title="Full 0")
    assert (
        "Counts towards “5+ substantial projects”."
        in client.get(reverse("portfolio:project_edit", args=[full.slug])).content.decode()
    )


def test_a_feature_without_a_metric_or_an_empty_stack_does_not_count(roadmap, user):
    project = ProjectFactory(owner=user, visibility="public", features=[{"text": "Fast", "metric": ""}], **FULL_PROJECT)
    project.tech_stack = {"backend": []}
    assert gaps_of(project) == ["a tech stack", "a key feature with a metric (for example “p95 latency 120 ms”)"]


def test_github_counts_only_when_linked(roadmap, user):
    user.github_username = "ada"
    user.save()
    metric = _by_slug(success_metrics(user, roadmap))["github-profile"]
    assert (metric.achieved, metric.detail) == (
        False,
        "github.com/ada (unverified: sign in with GitHub once to verify it)",
    )
    SocialAccount.objects.create(user=user, provider="github", uid="42")
    metric = _by_slug(success_metrics(user, roadmap))["github-profile"]
    assert (metric.achieved, metric.detail) == (True, "GitHub account linked (github.com/ada)")


def test_a_passed_check_shows_at_once_on_the_public_page(client, roadmap, user):
    user.portfolio_public = user.show_progress = True
    user.save()
    mark_topics(user=user, changes=[(t, "done") for t in Step.objects.get(slug="mlops").topics.all()])
    before = client.get(f"/u/{user.username}/").content.decode()
    assert "MLOps &amp; Deployment: 100% done (needs 80%), check not passed" in before
    _pass_check(user, "mlops")
    after = client.get(f"/u/{user.username}/").content.decode()
    assert "MLOps &amp; Deployment: 100% done (needs 80%), check passed" in after


def test_the_export_holds_checks_reviews_and_the_calendar_feed(roadmap, user):
    _pass_check(user, "git")
    row = mark_topic(user=user, topic=Topic.objects.get(slug="math-integration"), status="done")
    services.review_record(user=user, progress=row, remembered=True)
    services.calendar_feed_reset(user=user)
    data = json.loads(json.dumps(account_selectors.user_export(user), cls=DjangoJSONEncoder))
    practice = data["practice"]
    assert practice["self_checks"][0]["step"] == "git"
    assert practice["self_checks"][0]["passed"] is True
    assert practice["review_schedule"] == [
        {
            "step": "mathematics",
            "topic": "math-integration",
            "due_on": (user.today() + timedelta(days=7)).isoformat(),
            "interval_days": 7,
            "reviews": 1,
            "lapses": 0,
        }
    ]
    assert practice["review_history"][0]["remembered"] is True
    assert practice["calendar_feed"]["enabled"] is True
    # The feed's token is a credential: never exported.
    assert user.calendar_feed.token not in json.dumps(data)


def test_dashboard_shows_checks_and_reviews_due(client, roadmap, user):
    _pass_check(user, "git")
    row = mark_topic(user=user, topic=Topic.objects.get(slug="math-integration"), status="done")
    TopicProgress.objects.filter(pk=row.pk).update(completed_at=row.completed_at - timedelta(days=3))
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    git = Step.objects.get(slug="git").questions.count()
    assert f'checked: {git}/{git}</a> <span class="badge badge-success">passed</span>' in page
    assert "<strong data-checks-passed>1</strong><span>of 11 self-checks passed" in page
    assert "<strong data-reviews-due>1</strong><span>topic due for review today" in page
    assert "Review now" in page
