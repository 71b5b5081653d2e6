"""The link checker against a real HTTP server on 127.0.0.1 (a thread of the test): what each kind of
answer means for a resource, the editors' one email, the admin's filter and "use the new URL", and
what a learner sees on the step page. No request leaves the machine."""

import datetime
import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from roadmap import linkcheck
from roadmap.link_services import links_check
from roadmap.models import Resource, RoadmapChange, Step
from tests.factories import ResourceFactory, StepFactory
from tests.roadmap.conftest import TIMEOUT

DAY = datetime.timedelta(days=1)


def test_each_kind_of_answer_is_reported_as_it_is(web, refused_url):
    urls = {name: web.url(f"/{name}") for name in ("ok", "moved", "loop", "missing", "gone", "error", "slow")}
    started = time.monotonic()
    results = linkcheck.check_urls_sync([*urls.values(), refused_url], timeout=TIMEOUT)
    elapsed = time.monotonic() - started

    ok = results[urls["ok"]]
    assert (ok.ok, ok.status, ok.final_url, ok.redirects, ok.error) == (True, 200, urls["ok"], (), "")
    moved = results[urls["moved"]]
    assert (moved.ok, moved.status, moved.redirects) == (True, 200, ((301, urls["ok"]),))
    assert moved.moved_to == urls["ok"]
    assert "more than 10 redirects" in results[urls["loop"]].error
    assert [results[urls[n]].status for n in ("missing", "gone", "error")] == [404, 410, 500]
    assert not any(results[urls[n]].ok for n in ("missing", "gone", "error", "loop"))
    assert results[urls["slow"]].error == f"no answer within {TIMEOUT:g} seconds"
    assert results[refused_url].error.startswith("could not connect")
    # The slow answer is given up on, not waited for (its handler would answer after 3 seconds).
    assert elapsed < TIMEOUT * 5


def test_redirects_are_followed_and_only_permanent_ones_count_as_a_move(web):
    results = linkcheck.check_urls_sync(
        [web.url("/temporary"), web.url("/moved-then-temporary"), web.url("/moved-to-nothing")], timeout=TIMEOUT
    )
    temporary = results[web.url("/temporary")]
    assert (temporary.ok, temporary.redirects, temporary.moved_to) == (True, ((302, web.url("/ok")),), "")
    chain = results[web.url("/moved-then-temporary")]
    assert chain.redirects == ((308, web.url("/temporary")), (302, web.url("/ok")))
    # The new address is where the permanent redirect points, which then redirects temporarily.
    assert chain.moved_to == web.url("/temporary")
    assert chain.final_url == web.url("/ok")
    # A permanent redirect to a page that does not work is a failure, not a move.
    nowhere = results[web.url("/moved-to-nothing")]
    assert (nowhere.ok, nowhere.status, nowhere.moved_to) == (False, 404, "")


def test_a_server_refusing_head_is_asked_with_get(web):
    result = linkcheck.check_urls_sync([web.url("/no-head")], timeout=TIMEOUT)[web.url("/no-head")]
    assert (result.ok, result.status) == (True, 200)
    assert [(m, p) for m, p, _ in web.requests] == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_working_links_are_asked_once_with_head_and_an_honest_user_agent(web, settings):
    settings.SITE_NAME, settings.SITE_URL = "AI Engineer Roadmap", "https://roadmap.example.org"
    linkcheck.check_urls_sync([web.url("/ok"), web.url("/ok")], timeout=TIMEOUT)
    assert len(web.requests) == 1
    method, _, agent = web.requests[0]
    assert method == "HEAD"
    assert agent.startswith("AI Engineer Roadmap link checker (+https://roadmap.example.org/about/; httpx/")


def test_connections_to_one_host_are_bounded(web):
    urls = [web.url(f"/hold?n={n}") for n in range(6)]
    results = linkcheck.check_urls_sync(urls, timeout=TIMEOUT * 4, per_host=2, max_connections=10)
    assert all(r.ok for r in results.values())
    assert web.most_open == 2


def test_connections_overall_are_bounded(web):
    urls = [web.url(f"/hold?n={n}") for n in range(6)]
    linkcheck.check_urls_sync(urls, timeout=TIMEOUT * 4, per_host=10, max_connections=3)
    assert web.most_open == 3


# --- states on resources ------------------------------------------------------------------------


def _check(resources, when):
    return links_check(items=resources, timeout=TIMEOUT, now=when)


def _reload(resource):
    return Resource.objects.get(pk=resource.pk)


@pytest.mark.django_db
def test_a_link_is_broken_only_after_failing_twice_a_day_apart(web, refused_url):
    now = timezone.now()
    resources = [
        ResourceFactory(title=name, url=url)
        for name, url in [
            ("missing", web.url("/missing")),
            ("gone", web.url("/gone")),
            ("error", web.url("/error")),
            ("slow", web.url("/slow")),
            ("loop", web.url("/loop")),
            ("refused", refused_url),
        ]
    ]
    first = _check(resources, now)
    assert first.states == {"failing": 6}
    assert first.newly_broken == []

    # Failing again within the day is still one hiccup.
    again = _check(resources, now + datetime.timedelta(hours=3))
    assert again.states == {"failing": 6}
    assert {_reload(r).failures for r in resources} == {2}

    later = _check(resources, now + DAY)
    assert later.states == {"broken": 6}
    assert sorted(r.title for r in later.newly_broken) == ["error", "gone", "loop", "missing", "refused", "slow"]
    missing = _reload(resources[0])
    assert (missing.link_state, missing.check_status, missing.failures) == ("broken", 404, 3)
    assert missing.first_failed_at == now
    assert _reload(resources[3]).check_error == f"no answer within {TIMEOUT:g} seconds"

    # Still broken a week later, and not newly so.
    assert _check(resources, now + 7 * DAY).newly_broken == []


@pytest.mark.django_db
def test_a_working_answer_resets_the_failures_and_records_the_verification(web):
    now = timezone.now()
    resource = ResourceFactory(url=web.url("/missing"))
    _check([resource], now)
    _check([resource], now + DAY)
    assert _reload(resource).link_state == "broken"

    resource = _reload(resource)
    resource.url = web.url("/ok")
    resource.save()
    # An edited address is not checked yet: the old address's state no longer applies.
    assert _reload(resource).current_link_state == "unchecked"
    _check([_reload(resource)], now + 2 * DAY)
    resource = _reload(resource)
    assert (resource.link_state, resource.failures, resource.first_failed_at) == ("ok", 0, None)
    assert resource.verified_at == now + 2 * DAY
    assert resource.check_status == 200


@pytest.mark.django_db
def test_a_permanent_redirect_marks_the_link_moved_with_its_new_address(web):
    moved = ResourceFactory(url=web.url("/moved"))
    temporary = ResourceFactory(url=web.url("/temporary"))
    report = _check([moved, temporary], timezone.now())
    assert report.states == {"moved": 1, "ok": 1}
    moved = _reload(moved)
    assert (moved.link_state, moved.moved_to, moved.final_url) == ("moved", web.url("/ok"), web.url("/ok"))
    assert moved.redirects == [[301, web.url("/ok")]]
    assert _reload(temporary).link_state == "ok"


@pytest.mark.django_db
def test_rate_limited_answers_change_nothing(web):
    resource = ResourceFactory(url=web.url("/busy"))
    _check([resource], timezone.now())
    resource = _reload(resource)
    assert (resource.link_state, resource.failures, resource.check_status) == ("unchecked", 0, 429)


@pytest.mark.django_db
def test_editors_get_one_email_listing_the_links_that_newly_broke(web, editor, user, mailoutbox, settings):
    settings.SITE_URL = "https://roadmap.example.org"
    second_editor = type(editor).objects.create_user(username="editor2", email="editor2@example.com")
    second_editor.groups.add(*editor.groups.all())
    now = timezone.now()
    step = StepFactory(title="SQL for Data Management")
    missing = ResourceFactory(step=step, title="SQL Mastery Playlist", url=web.url("/missing"))
    gone = ResourceFactory(step=step, title="Old Course", url=web.url("/gone"))
    fine = ResourceFactory(step=step, title="Official Docs", url=web.url("/ok"))

    _check([missing, gone, fine], now)
    assert mailoutbox == []
    report = _check([missing, gone, fine], now + DAY)

    assert report.emailed_to == ["editor2@example.com", "editor@example.com"]
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert sorted(email.to) == ["editor2@example.com", "editor@example.com"]
    assert "learner@example.com" not in email.to
    assert email.subject == "[AI Engineer Roadmap] 2 roadmap links are broken"
    assert "1. SQL Mastery Playlist (step" in email.body
    assert f"   {web.url('/missing')}\n   answered HTTP 404, failing since" in email.body
    assert "2. Old Course" in email.body
    assert "answered HTTP 410" in email.body
    assert "Official Docs" not in email.body
    assert "https://roadmap.example.org/admin/roadmap/resource/?link_state=broken" in email.body

    # The next run (and the one after) tells nobody again about the same links.
    _check([missing, gone, fine], now + 2 * DAY)
    _check([missing, gone, fine], now + 3 * DAY)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_no_editor_no_email_and_the_links_stay_pending(web, mailoutbox, editor):
    editor.groups.clear()
    resource = ResourceFactory(url=web.url("/missing"))
    now = timezone.now()
    _check([resource], now)
    assert _check([resource], now + DAY).emailed_to == []
    assert mailoutbox == []
    # Once someone is in the group, the next run tells them.
    from django.contrib.auth.models import Group

    editor.groups.add(Group.objects.get(name="Editors"))
    assert _check([resource], now + 2 * DAY).emailed_to == ["editor@example.com"]
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_check_is_no_content_change(web, client):
    step = StepFactory()
    resource = ResourceFactory(step=step, url=web.url("/ok"))
    changes = RoadmapChange.objects.count()
    url = step.get_absolute_url()
    now = timezone.now()

    _check([resource], now)
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    # The same day, nothing a step page shows changes: the cached page stays.
    _check([_reload(resource)], now + datetime.timedelta(minutes=5))
    assert client.get(url)["X-Page-Cache"] == "hit"
    # A new day is a new "last verified": the page is rendered again.
    _check([_reload(resource)], now + DAY)
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert RoadmapChange.objects.count() == changes


# --- what learners and editors see --------------------------------------------------------------


@pytest.mark.django_db
def test_the_step_page_marks_a_broken_link_quietly_and_dates_the_working_ones(web, roadmap, client):
    step = Step.objects.get(slug="python")
    broken, working = step.resources.order_by("order")[:2]
    Resource.objects.filter(pk=broken.pk).update(url=web.url("/missing"))
    Resource.objects.filter(pk=working.pk).update(url=web.url("/ok"))
    now = timezone.now()
    resources = list(step.resources.filter(pk__in=[broken.pk, working.pk]))
    _check(resources, now - 4 * DAY)
    _check(resources, now - 3 * DAY)

    html = client.get(step.get_absolute_url()).content.decode()
    broken_item = html[html.index(web.url("/missing")) :].split("</li>")[0]
    assert "May be broken</span>" in broken_item
    assert "last checked <time" in broken_item
    assert ">3 days ago</time>" in broken_item
    working_item = html[html.index(web.url("/ok")) :].split("</li>")[0]
    assert "Link verified <time" in working_item
    assert ">3 days ago</time>" in working_item
    assert "May be broken" not in working_item
    # The others were never checked: no claim either way.
    assert html.count("Link verified") == 1
    assert html.count("May be broken") == 1
    # The API says the same.
    api = client.get(f"/api/v1/roadmaps/ai-engineer/steps/{step.slug}/").json()
    by_url = {resource["url"]: resource for resource in api["resources"]}
    assert by_url[web.url("/missing")]["link_state"] == "broken"
    assert by_url[web.url("/ok")]["link_state"] == "ok"
    assert by_url[web.url("/ok")]["verified_at"] is not None
    assert by_url[web.url("/missing")]["verified_at"] is None
    others = [r for url, r in by_url.items() if url not in (web.url("/missing"), web.url("/ok"))]
    assert {r["link_state"] for r in others} == {"unchecked"}


@pytest.mark.django_db
def test_admin_lists_resources_by_link_state(web, client, editor):
    client.force_login(editor)
    now = timezone.now()
    broken = ResourceFactory(title="Broken one", url=web.url("/missing"))
    moved = ResourceFactory(title="Moved one", url=web.url("/moved"))
    ok = ResourceFactory(title="Working one", url=web.url("/ok"))
    ResourceFactory(title="Never checked", url=web.url("/gone"))
    _check([broken, moved, ok], now - DAY)
    _check([broken, moved, ok], now)

    page = client.get("/admin/roadmap/resource/").content.decode()
    assert "link-broken" in page
    assert "HTTP 404, failing since" in page
    assert f'to <a href="{web.url("/ok")}" title="{web.url("/ok")}">{web.url("/ok")[7:]}</a>' in page
    for state, title in [("broken", "Broken one"), ("moved", "Moved one"), ("ok", "Working one")]:
        listed = client.get(f"/admin/roadmap/resource/?link_state={state}").content.decode()
        assert title in listed
        assert sum(t in listed for t in ("Broken one", "Moved one", "Working one", "Never checked")) == 1
    assert "Never checked" in client.get("/admin/roadmap/resource/?link_state=unchecked").content.decode()
    # The resource's own page shows its last check, the redirects followed included.
    page = client.get(f"/admin/roadmap/resource/{moved.pk}/change/").content.decode()
    assert "Last link check" in page
    assert f"301 &rarr; {web.url('/ok')}" in page


@pytest.mark.django_db
def test_use_the_new_url_updates_moved_links_and_logs_the_change(web, client, editor):
    client.force_login(editor)
    moved = ResourceFactory(title="Moved one", url=web.url("/moved"))
    ok = ResourceFactory(title="Working one", url=web.url("/ok"))
    _check([moved, ok], timezone.now())

    response = client.post(
        "/admin/roadmap/resource/",
        {"action": "use_new_url", "_selected_action": [moved.pk, ok.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 link now use the new URL; the changelog records it." in page
    assert "1 of the selected links had not moved" in page
    moved = _reload(moved)
    assert (moved.url, moved.current_link_state, moved.moved_to) == (web.url("/ok"), "ok", "")
    change = RoadmapChange.objects.filter(object_type="resource").latest("id")
    assert (change.action, change.actor) == ("changed", editor)
    assert change.fields == [{"field": "url", "old": web.url("/moved"), "new": web.url("/ok")}]
    assert _reload(ok).url == web.url("/ok")


@pytest.mark.django_db
def test_the_command_checks_one_step_and_reports(web, mailoutbox):
    step = StepFactory(slug="local-step")
    ResourceFactory(step=step, url=web.url("/ok"))
    ResourceFactory(step=step, url=web.url("/moved"))
    ResourceFactory(step=step, url=web.url("/missing"))
    ResourceFactory(url=web.url("/gone"))  # another step: not checked
    out = io.StringIO()
    call_command("check_links", "--step", "local-step", "--timeout", str(TIMEOUT), "-v", "2", stdout=out)
    text = out.getvalue()
    assert "Checked 3 links: 1 failed once, 1 moved, 1 working." in text
    assert f"HTTP 404{' ' * 22} {web.url('/missing')}" in text
    assert Resource.objects.get(url=web.url("/gone")).link_state == "unchecked"

    with pytest.raises(CommandError, match="No resources in a step with the slug 'nowhere'"):
        call_command("check_links", "--step", "nowhere")
    with pytest.raises(CommandError, match="--timeout must be positive"):
        call_command("check_links", "--timeout", "0")


def test_beat_checks_the_links_weekly_on_monday():
    from config.celery import app

    app.finalize()
    entry = app.conf.beat_schedule["check-links"]
    assert entry["task"] == "roadmap.check_links"
    schedule = entry["schedule"]
    assert (schedule.day_of_week, schedule.hour, schedule.minute) == ({1}, {4}, {0})


@pytest.mark.django_db
def test_the_task_checks_every_resource_and_reports(web):
    from roadmap.tasks import check_links

    ResourceFactory(url=web.url("/ok"))
    ResourceFactory(url=web.url("/moved"))
    # The task's own code, run here (a worker would run the same; the result backend is not ours).
    result = check_links()
    assert result == {"checked": 2, "states": {"ok": 1, "moved": 1}, "newly_broken": 0}
