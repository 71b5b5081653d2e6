"""The learner's dashboard: progress, plan vs actual, next topics, activity, success metrics, empty
state, and a query count that does not grow with the amount of content or progress."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from portfolio import services as portfolio_services
from roadmap.models import Roadmap, Topic, TopicProgress
from roadmap.services import mark_topic
from tests.factories import ProjectFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db


def test_dashboard_needs_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_new_learner_sees_how_to_start(client, roadmap, user):
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Start with step 1" in page
    assert "Start step 1: Programming Fundamentals (Python)" in page
    assert 'href="/roadmaps/ai-engineer/steps/python/"' in page
    assert "On track" in page
    assert "Month 1 of 12" in page
    assert "Nothing finished in the last 30 days." in page
    assert "5+ substantial projects in portfolio" in page


def test_dashboard_shows_progress_next_topics_and_activity(client, roadmap, user):
    topics = list(Topic.objects.filter(step__slug="python").order_by("order"))
    for topic in topics[:2]:
        mark_topic(user=user, topic=topic, status=TopicProgress.Status.DONE)
    mark_topic(user=user, topic=topics[2], status=TopicProgress.Status.LEARNING)
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    page = response.content.decode()
    assert "Start with step 1" not in page
    total = response.context["progress"].overall.total
    assert f"2 of {total}" in page
    next_titles = [t.title for t in response.context["next_topics"]]
    # The rest of step 1 (the topic being learnt first), then step 2 in order.
    assert len(topics) == 6
    assert next_titles == [t.title for t in topics[2:6]] + ["Matrices"]
    assert f'href="/roadmaps/ai-engineer/steps/python/#topic-{topics[2].slug}"' in page
    assert response.context["activity"]["last_30_days"] == 2
    assert "topics finished in the last 30 days" in page
    assert topics[0].title in page  # recently finished
    # The plan runs at the learner's weekly pace: the finish is projected from it.
    assert "At 10 h/week you finish in month 12" in page
    plan = response.context["plan"]
    assert plan.done_hours == topics[0].hours + topics[1].hours
    assert plan.actual_percent == round(100 * plan.done_hours / plan.total_hours)


def test_dashboard_is_only_about_the_signed_in_learner(client, roadmap, owner, outsider):
    topic = Topic.objects.filter(step__slug="python").first()
    mark_topic(user=owner, topic=topic, status=TopicProgress.Status.DONE)
    client.force_login(outsider)
    response = client.get(reverse("dashboard"))
    assert response.context["progress"].overall.done == 0
    assert "Start with step 1" in response.content.decode()


def _fill(user, roadmap, fraction):
    topics = list(Topic.objects.filter(step__roadmap=roadmap).order_by("step__number", "order"))
    chosen = topics[: int(len(topics) * fraction)]
    now = timezone.now()
    TopicProgress.objects.bulk_create(
        TopicProgress(
            user=user,
            topic=topic,
            status=TopicProgress.Status.DONE,
            note="a note",
            note_html="<p>a note</p>",
            started_at=now - timedelta(days=i % 300),
            completed_at=now - timedelta(days=i % 300),
        )
        for i, topic in enumerate(chosen)
    )


def _page_url(page, roadmap):
    return {
        "dashboard": reverse("dashboard"),
        "roadmap": reverse("roadmap:detail", args=[roadmap.slug]),
        "step": reverse("roadmap:step", args=[roadmap.slug, "step-1"]),
    }[page]


@pytest.mark.parametrize("page", ["dashboard", "roadmap", "step"])
def test_query_count_is_the_same_for_1x_and_10x_content_and_progress(client, django_assert_max_num_queries, page):
    small = build_roadmap(steps_per_phase=1, topics_per_step=3, optional_steps=1, slug="ai-engineer")
    user = UserFactory()
    _fill(user, small, 0.5)
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_page_url(page, small)).status_code == 200
    budget = len(queries)

    # Ten times the steps, ten times the topics per step (100x topics), half of them done with notes.
    Roadmap.objects.filter(pk=small.pk).update(slug="old", published=False)
    large = build_roadmap(steps_per_phase=10, topics_per_step=30, optional_steps=1, slug="ai-engineer")
    _fill(user, large, 0.5)
    assert TopicProgress.objects.filter(user=user, topic__step__roadmap=large).count() >= 600
    with django_assert_max_num_queries(budget):
        response = client.get(_page_url(page, large))
    assert response.status_code == 200
    if page == "dashboard":
        assert response.context["roadmap"] == large


def test_dashboard_without_any_roadmap(client, user):
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "No roadmap yet" in response.content.decode()


def test_dashboard_for_a_plan_that_starts_later(client, roadmap, user):
    user.plan_start_date = timezone.localdate() + timedelta(days=20)
    user.save()
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    start = user.plan_start_date
    assert f"Your plan starts on {start.day} {start:%B %Y}" in page
    assert "not started" in page


# --- the dashboard follows every change at once ----------------------------------------------------


def _without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _topic_url(topic):
    return reverse("roadmap:topic_progress", args=[topic.step.roadmap.slug, topic.step.slug, topic.slug])


def test_a_repeated_dashboard_reads_nothing_of_the_learners_progress(client, roadmap, user):
    """The body comes from the cache; the page around it (CSRF tokens, messages) is rendered."""
    mark_topic(user=user, topic=Topic.objects.filter(step__slug="python").first(), status=TopicProgress.Status.DONE)
    client.force_login(user)
    with CaptureQueriesContext(connection) as miss:
        first = client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as hit:
        second = client.get(reverse("dashboard"))
    assert _without_csrf(second) == _without_csrf(first)
    assert len(hit) < len(miss)
    assert not any("roadmap_topicprogress" in query["sql"] for query in hit.captured_queries)


def test_a_shell_edit_of_a_progress_row_shows_on_the_next_dashboard(client, roadmap, user):
    """No service needed: the row's save signal bumps the learner's scope."""
    topic = Topic.objects.filter(step__slug="python").order_by("order").first()
    row = mark_topic(user=user, topic=topic, status=TopicProgress.Status.LEARNING)
    client.force_login(user)
    assert "Nothing finished in the last 30 days." in client.get(reverse("dashboard")).content.decode()
    row = TopicProgress.objects.get(pk=row.pk)
    row.status, row.completed_at = TopicProgress.Status.DONE, timezone.now()
    row.save()
    assert topic.title in client.get(reverse("dashboard")).content.decode().split("recent-list")[1]


def test_dashboard_changes_right_after_marking_a_topic(client, roadmap, user):
    topic = Topic.objects.select_related("step__roadmap").filter(step__slug="python").order_by("order").first()
    client.force_login(user)
    before = client.get(reverse("dashboard")).content.decode()
    assert "Start with step 1" in before
    assert "Nothing finished in the last 30 days." in before

    response = client.post(_topic_url(topic), {"status": "done"}, HTTP_ACCEPT="application/json")
    assert response.json()["ok"] is True

    after = client.get(reverse("dashboard")).content.decode()
    total = roadmap.steps.filter(optional=False).aggregate(n=Count("topics"))["n"]
    assert "Start with step 1" not in after
    assert f"1 of {total}" in after
    assert f'href="/roadmaps/ai-engineer/steps/python/#topic-{topic.slug}">{topic.title}</a>' in after
    assert "topic finished in the last 30 days" in after
    assert "1 active day in 12 months" in after.replace("</strong><span>", " ")


def test_dashboard_changes_right_after_a_settings_change(client, roadmap, user):
    client.force_login(user)
    assert "Month 1 of 12" in client.get(reverse("dashboard")).content.decode()
    start = timezone.localdate() - timedelta(days=70)
    services.settings_update(user=user, changes={"plan_start_date": start, "display_name": ""})
    page = client.get(reverse("dashboard")).content.decode()
    assert f"plan started {start.day} {start:%B %Y}" in page
    assert "Month 3 of 12" in page


def test_dashboard_changes_right_after_a_project_is_published(client, roadmap, user):
    client.force_login(user)
    assert "0 substantial projects of 5" in client.get(reverse("dashboard")).content.decode()
    project = ProjectFactory(owner=user, overview="x" * 200, repository_url="https://github.com/ada/churn")
    portfolio_services.project_publish(project=project)
    assert "1 substantial project of 5" in client.get(reverse("dashboard")).content.decode()


def test_two_learners_never_see_each_others_dashboard(roadmap, owner, outsider):
    owner.display_name = "Olivia Owner"
    owner.save()
    topics = list(Topic.objects.filter(step__slug="python").order_by("order")[:3])
    for topic in topics:
        mark_topic(user=owner, topic=topic, status=TopicProgress.Status.DONE)
    owner_client, outsider_client = Client(), Client()
    owner_client.force_login(owner)
    outsider_client.force_login(outsider)
    total = roadmap.steps.filter(optional=False).aggregate(n=Count("topics"))["n"]
    # Each in turn, twice: the second round is served from the cache.
    for _ in range(2):
        mine = owner_client.get(reverse("dashboard")).content.decode()
        theirs = outsider_client.get(reverse("dashboard")).content.decode()
        assert "Hi, Olivia Owner" in mine
        assert f"3 of {total}" in mine
        assert topics[0].title in mine
        assert "Hi, outsider" in theirs
        assert "Olivia" not in theirs
        assert "Start with step 1" in theirs
        assert f"0 of {total}" in theirs
        assert "Nothing finished in the last 30 days." in theirs


def test_an_account_on_utc_gets_the_time_zone_offer_on_its_dashboard(roadmap, user):
    """The offer (shown by site.js when the browser is elsewhere) is a form with its own CSRF token,
    it sets the zone and then goes away."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("dashboard"))
    page = client.get(reverse("dashboard")).content.decode()
    offer = re.search(
        r'<form class="timezone-offer" method="post" action="([^"]+)"[^>]*hidden>(.*?)</form>', page, re.S
    )
    assert offer is not None
    url, body = offer.groups()
    assert url == reverse("settings_timezone")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    response = client.post(url, {"csrfmiddlewaretoken": token, "timezone": "Europe/Lisbon"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    user.refresh_from_db()
    assert user.timezone == "Europe/Lisbon"
    after = client.get(reverse("dashboard")).content.decode()
    assert "Your time zone is now Europe/Lisbon" in after
    assert "timezone-offer" not in after


def test_the_time_zone_offer_refuses_bad_input_and_strangers(client, user):
    client.force_login(user)
    response = client.post(reverse("settings_timezone"), {"timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert "That time zone is unknown" in response.content.decode()
    assert client.post(reverse("settings_timezone"), {}).status_code == 400
    assert client.get(reverse("settings_timezone")).status_code == 405
    client.logout()
    response = client.post(reverse("settings_timezone"), {"timezone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    user.refresh_from_db()
    assert user.timezone == "UTC"
