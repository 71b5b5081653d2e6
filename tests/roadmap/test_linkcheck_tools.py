"""The link checker on the roadmap's tools (the same checks as resources': tests/roadmap/
test_linkcheck.py): a tool without an address is left alone, a broken tool link is reported to the
editors and marked where learners see the tool, the admin filters and fixes tools too, and the
command and the task check them. No request leaves the machine."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from roadmap.link_services import links_check
from roadmap.models import RoadmapChange, Step, StepTool, Tool
from tests.factories import ResourceFactory, StepFactory, ToolFactory
from tests.roadmap.conftest import TIMEOUT

DAY = datetime.timedelta(days=1)


def _check(items, when):
    return links_check(items=items, timeout=TIMEOUT, now=when)


def _reload(tool):
    return Tool.objects.get(pk=tool.pk)


@pytest.mark.django_db
def test_a_tool_link_breaks_after_two_failures_and_the_editors_are_told(web, editor, mailoutbox, settings):
    settings.SITE_URL = "https://roadmap.example.org"
    now = timezone.now()
    step = StepFactory(number=4, title="Deep Learning")
    broken = ToolFactory(name="Keras", category="Deep learning", url=web.url("/gone"))
    working = ToolFactory(name="PyTorch", url=web.url("/ok"))
    nowhere = ToolFactory(name="Pen and paper", url="")
    resource = ResourceFactory(step=step, title="Old Course", url=web.url("/missing"))
    items = [broken, working, nowhere, resource]

    assert _check(items, now).states == {"failing": 2, "ok": 1}
    report = _check(items, now + DAY)

    # The tool without an address is not asked about, and stays "not checked".
    assert report.checked == 3
    assert (_reload(nowhere).link_state, _reload(nowhere).checked_at) == ("unchecked", None)
    assert sorted(str(item) for item in report.newly_broken) == ["Keras", "Old Course"]
    tool = _reload(broken)
    assert (tool.link_state, tool.check_status, tool.failures) == ("broken", 410, 2)
    assert _reload(working).verified_at == now + DAY

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.subject == "[AI Engineer Roadmap] 2 roadmap links are broken"
    assert "1. Old Course (step 4: Deep Learning)" in email.body
    assert f"2. Keras (tool: Deep learning)\n   {web.url('/gone')}\n   answered HTTP 410, failing since" in email.body
    assert "PyTorch" not in email.body
    assert "https://roadmap.example.org/admin/roadmap/resource/?link_state=broken" in email.body
    assert "https://roadmap.example.org/admin/roadmap/tool/?link_state=broken" in email.body
    # Told once.
    _check(items, now + 2 * DAY)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_learners_see_a_broken_tool_link_marked_on_the_tools_and_step_pages(web, roadmap, client):
    step = Step.objects.get(slug="python")
    broken, working = (st.tool for st in StepTool.objects.filter(step=step).select_related("tool")[:2])
    Tool.objects.filter(pk=broken.pk).update(url=web.url("/missing"))
    Tool.objects.filter(pk=working.pk).update(url=web.url("/ok"))
    now = timezone.now()
    tools = list(Tool.objects.filter(pk__in=[broken.pk, working.pk]))
    _check(tools, now - 4 * DAY)
    _check(tools, now - 3 * DAY)

    guide = client.get("/roadmaps/ai-engineer/tools/").content.decode()
    card = guide[guide.index(f'<li class="card"><strong><a href="{web.url("/missing")}"') :].split("</li>")[0]
    assert "May be broken</span>" in card
    assert ">3 days ago</time>" in card
    # Working tool links are not dated (a page of tools would be all dates): only trouble is marked.
    assert guide.count("May be broken") == 1
    assert "Link verified" not in guide

    page = client.get(step.get_absolute_url()).content.decode()
    tools_box = page[page.index('id="tools-heading"') : page.index('id="resources-heading"')]
    assert tools_box.count("May be broken") == 1
    item = tools_box[tools_box.index(web.url("/missing")) :].split("</li>")[0]
    assert "May be broken" in item

    api = client.get("/api/v1/roadmaps/ai-engineer/tools/").json()
    rows = api["results"] if isinstance(api, dict) else api
    by_url = {row["url"]: row for row in rows}
    assert by_url[web.url("/missing")]["link_state"] == "broken"
    assert by_url[web.url("/ok")]["link_state"] == "ok"
    assert by_url[web.url("/ok")]["verified_at"] is not None


@pytest.mark.django_db
def test_admin_filters_tools_by_link_state_and_takes_a_moved_tools_new_url(web, client, editor):
    client.force_login(editor)
    moved = ToolFactory(name="Moved tool", url=web.url("/moved"))
    ok = ToolFactory(name="Working tool", url=web.url("/ok"))
    ToolFactory(name="Addressless tool", url="")
    _check([moved, ok], timezone.now())

    page = client.get("/admin/roadmap/tool/").content.decode()
    assert "link-moved" in page
    assert "no address" in page
    listed = client.get("/admin/roadmap/tool/?link_state=moved").content.decode()
    assert "Moved tool" in listed
    assert "Working tool" not in listed
    assert "Last link check" in client.get(f"/admin/roadmap/tool/{moved.pk}/change/").content.decode()

    response = client.post(
        "/admin/roadmap/tool/", {"action": "use_new_url", "_selected_action": [moved.pk, ok.pk]}, follow=True
    )
    page = response.content.decode()
    assert "1 link now use the new URL; the changelog records it." in page
    assert "1 of the selected links had not moved" in page
    moved = _reload(moved)
    assert (moved.url, moved.current_link_state) == (web.url("/ok"), "ok")
    change = RoadmapChange.objects.filter(object_type="tool").latest("id")
    assert (change.action, change.actor, change.roadmap_id) == ("changed", editor, moved.roadmap_id)
    assert change.fields == [{"field": "url", "old": web.url("/moved"), "new": web.url("/ok")}]


@pytest.mark.django_db
def test_the_command_checks_a_steps_tools_with_its_resources(web):
    step = StepFactory(slug="local-step")
    ResourceFactory(step=step, url=web.url("/ok"))
    used = ToolFactory(name="Used tool", roadmap=step.phase.roadmap, url=web.url("/missing"))
    StepTool.objects.create(step=step, tool=used)
    unused = ToolFactory(name="Unused tool", url=web.url("/gone"))
    out = io.StringIO()
    call_command("check_links", "--step", "local-step", "--timeout", str(TIMEOUT), "-v", "2", stdout=out)
    assert "Checked 2 links: 1 failed once, 1 working." in out.getvalue()
    assert f"HTTP 404{' ' * 22} {web.url('/missing')}" in out.getvalue()
    assert _reload(unused).link_state == "unchecked"


@pytest.mark.django_db
def test_the_task_checks_tools_with_an_address_too(web):
    from roadmap.tasks import check_links

    ResourceFactory(url=web.url("/ok"))
    ToolFactory(url=web.url("/moved"))
    ToolFactory(url="")
    assert check_links() == {"checked": 2, "states": {"ok": 1, "moved": 1}, "newly_broken": 0}
