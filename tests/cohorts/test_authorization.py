"""The authorisation matrix: every door of a cohort (its HTML pages and forms, the API) for every
role (owner, mentor, member, ex-member, invited-but-pending, another learner, staff, anonymous).
Then what each role sees through the doors it may open: never private notes, email addresses or
drafts; a member who leaves is gone from every view on the next request; nothing is cached."""

import pytest
from rest_framework.test import APIClient

from cohorts import invitations, services
from cohorts.models import Membership
from portfolio.models import Project
from roadmap.models import Topic, TopicProgress
from roadmap.services import mark_topic
from tests.factories import ProjectFactory

ROLES = ["owner", "mentor", "member", "ex_member", "pending", "other", "staff", "anonymous"]
# What anyone outside the cohort gets: a 404, as if it did not exist (staff moderate in the admin).
OUT = {"ex_member": 404, "pending": 404, "other": 404, "staff": 404}
ANON_PAGE = {"anonymous": 302}  # to the login page
ANON_API = {"anonymous": 401}


def _expect(owner, mentor, member, outside=OUT, anonymous=ANON_PAGE):
    return {"owner": owner, "mentor": mentor, "member": member, **outside, **anonymous}


# (method, path template, data, expected status by role). {slug}, {member}: filled in per test.
PAGE_DOORS = [
    ("get", "/cohorts/{slug}/", None, _expect(200, 200, 200)),
    ("get", "/cohorts/{slug}/?sort=plan&page=1", None, _expect(200, 200, 200)),
    ("get", "/cohorts/{slug}/members/{member}/", None, _expect(200, 200, 403)),
    ("get", "/cohorts/{slug}/manage/", None, _expect(200, 200, 403)),
    ("get", "/cohorts/{slug}/edit/", None, _expect(200, 403, 403)),
    ("get", "/cohorts/{slug}/transfer/", None, _expect(200, 403, 403)),
    ("get", "/cohorts/{slug}/delete/", None, _expect(200, 403, 403)),
    ("get", "/cohorts/{slug}/members/{member}/remove/", None, _expect(200, 403, 403)),
    ("get", "/cohorts/{slug}/leave/", None, _expect(409, 200, 200)),
    ("post", "/cohorts/{slug}/invites/link/", {"days": "7"}, _expect(302, 302, 403)),
    ("post", "/cohorts/{slug}/invites/email/", {"email": "x@example.com", "days": "7"}, _expect(302, 302, 403)),
    ("post", "/cohorts/{slug}/nudge/", {"to": "{member}", "message": "Go!"}, _expect(302, 302, 403)),
    ("post", "/cohorts/{slug}/members/{member}/role/", {"role": "mentor"}, _expect(302, 403, 403)),
    ("post", "/cohorts/{slug}/archive/", {"archived": "1"}, _expect(302, 403, 403)),
    ("post", "/cohorts/{slug}/my-emails/", {"kind": "nudges", "on": "0"}, _expect(302, 302, 302)),
]

API_DOORS = [
    ("get", "/api/v1/cohorts/{slug}/", None, _expect(200, 200, 200, anonymous=ANON_API)),
    ("delete", "/api/v1/cohorts/{slug}/membership/", None, _expect(409, 204, 204, anonymous=ANON_API)),
]


def _client(people, role, client):
    user = people[role]
    if user is not None:
        client.force_login(user)
    return client


def _fill(value, cohort):
    return value.replace("{slug}", cohort.slug).replace("{member}", "member1") if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "data", "expected"), PAGE_DOORS, ids=[f"{d[0]} {d[1]}" for d in PAGE_DOORS])
def test_page_doors(client, cohort, people, role, method, path, data, expected):
    client = _client(people, role, client)
    url = _fill(path, cohort)
    payload = {key: _fill(value, cohort) for key, value in (data or {}).items()}
    response = getattr(client, method)(url, payload) if method == "post" else client.get(url)
    assert response.status_code == expected[role], (role, url, response.status_code)
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")
    if response.status_code in (403, 404):
        # A clear page in the site's design, not a bare status.
        assert b"Not allowed" in response.content or b"Page not found" in response.content
    # Private: never kept by a browser or a proxy.
    if role != "anonymous":
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "data", "expected"), API_DOORS, ids=[f"{d[0]} {d[1]}" for d in API_DOORS])
def test_api_doors(cohort, people, role, method, path, data, expected):
    client = APIClient()
    if people[role] is not None:
        client.force_authenticate(people[role])
    response = getattr(client, method)(_fill(path, cohort), data, format="json")
    assert response.status_code == expected[role], (role, path, response.status_code)
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"status", "code", "message", "fields"}


@pytest.mark.parametrize("role", ROLES)
def test_my_cohorts_lists_only_my_own(client, cohort, people, role):
    client = _client(people, role, client)
    response = client.get("/cohorts/")
    if role == "anonymous":
        assert response.status_code == 302
        return
    listed = "Spring study group" in response.content.decode()
    # The pending invitee sees the invitation (to accept or decline), not the cohort.
    assert listed == (role in ("owner", "mentor", "member", "pending")), role
    api = APIClient()
    api.force_authenticate(people[role])
    slugs = [c["slug"] for c in api.get("/api/v1/cohorts/").json()["results"]]
    assert slugs == (["spring-study-group"] if role in ("owner", "mentor", "member") else [])


def test_join_page_for_each_role(client, cohort, people):
    invite = cohort.invites.get(kind="email")
    url = invite.get_absolute_url()
    assert client.get(url).status_code == 200  # anonymous: asked to sign up or log in
    client.force_login(people["pending"])
    page = client.get(url).content.decode()
    assert "I agree to share this with the cohort&#x27;s mentors" in page
    client.force_login(people["other"])
    response = client.get(url)
    assert response.status_code == 403
    assert "sent to another email address" in response.content.decode()
    client.force_login(people["member"])
    assert client.get(url)["Location"] == "/cohorts/spring-study-group/"
    assert client.get("/cohorts/join/not-a-token/").status_code == 404


def test_staff_moderate_in_the_admin_without_seeing_progress(client, cohort, people):
    client.force_login(people["staff"])
    listing = client.get("/admin/cohorts/cohort/?q=member1")
    assert listing.status_code == 200
    assert "Spring study group" in listing.content.decode()
    change = client.get(f"/admin/cohorts/cohort/{cohort.pk}/change/").content.decode()
    assert "member1" in change
    assert "%" not in change.split('id="memberships-group"')[1].split("</fieldset>")[0]
    client.post("/admin/cohorts/cohort/", {"action": "hide_cohorts", "_selected_action": [cohort.pk]}, follow=True)
    cohort.refresh_from_db()
    assert cohort.hidden
    client.force_login(people["owner"])
    assert client.get(f"/cohorts/{cohort.slug}/").status_code == 404
    # Its owner is told why it is gone; nobody else sees it at all.
    owner_list = client.get("/cohorts/").content.decode().split('id="hidden-heading"')
    assert "Spring study group" in owner_list[1]
    assert "Reason: Hidden by the moderators." in owner_list[1]
    assert f'href="/cohorts/{cohort.slug}/"' not in owner_list[1]
    client.force_login(people["member"])
    assert "Spring study group" not in client.get("/cohorts/").content.decode()


@pytest.fixture
def shared_data(cohort, people):
    """The member's progress, a private note, and one project of each visibility."""
    member = people["member"]
    topics = list(Topic.objects.filter(step__roadmap=cohort.roadmap).order_by("step__number", "order")[:3])
    for topic in topics:
        mark_topic(user=member, topic=topic, status=TopicProgress.Status.DONE)
    TopicProgress.objects.filter(user=member, topic=topics[0]).update(note="SECRET-NOTE-42", note_html="SECRET-NOTE-42")
    member.portfolio_public = True
    member.save()
    ProjectFactory(owner=member, title="Public Thing", slug="public-thing", visibility=Project.Visibility.PUBLIC)
    ProjectFactory(owner=member, title="Unlisted Thing", slug="unlisted-thing", visibility=Project.Visibility.UNLISTED)
    ProjectFactory(owner=member, title="Secret Draft", slug="secret-draft", visibility=Project.Visibility.DRAFT)
    return topics


NEVER = ["SECRET-NOTE-42", "Secret Draft", "member1@example.com"]


def test_mentors_see_what_was_consented_and_nothing_else(client, cohort, people, shared_data):
    client.force_login(people["mentor"])
    board = client.get(f"/cohorts/{cohort.slug}/").content.decode()
    member_page = client.get(f"/cohorts/{cohort.slug}/members/member1/").content.decode()
    api = APIClient()
    api.force_authenticate(people["mentor"])
    data = api.get(f"/api/v1/cohorts/{cohort.slug}/").json()
    [member] = data["members"]
    assert member["username"] == "member1"
    assert member["progress"] == {"done": 3, "total": 48, "percent": 6}
    assert member["steps"][0] == {"step": "step-1", "number": 1, "done": 3, "total": 12, "percent": 25}
    assert [p["title"] for p in member["projects"]] == ["Public Thing", "Unlisted Thing"]
    assert member["active_days"] == 1
    assert "Public Thing" in board
    assert "Unlisted Thing" in board
    assert "Topic 1.1" in member_page
    for page in (board, member_page, str(data)):
        for secret in NEVER:
            assert secret not in page


def test_members_see_each_others_overall_progress_only(client, cohort, people, shared_data):
    other_member = people["other"]
    invitations.cohort_join(
        invite=invitations.invite_link_create(cohort=cohort, by=people["owner"]), user=other_member, consent=True
    )
    client.force_login(other_member)
    board = client.get(f"/cohorts/{cohort.slug}/").content.decode()
    assert "Mel Member" in board
    assert "Public Thing" not in board
    assert 'class="cell' not in board
    api = APIClient()
    api.force_authenticate(other_member)
    members = {m["username"]: m for m in api.get(f"/api/v1/cohorts/{cohort.slug}/").json()["members"]}
    assert set(members["member1"]) == {"username", "name", "joined_at", "progress", "plan"}
    assert "steps" in members["stranger"]  # about themselves, all of it


def test_when_members_do_not_see_each_other_they_see_their_place(client, cohort, people, shared_data):
    services.cohort_update(
        cohort=cohort, name=cohort.name, description="", start_date=cohort.start_date, members_see_each_other=False
    )
    client.force_login(people["other"])
    invitations.cohort_join(
        invite=invitations.invite_link_create(cohort=cohort, by=people["owner"]), user=people["other"], consent=True
    )
    board = client.get(f"/cohorts/{cohort.slug}/").content.decode()
    assert "Mel Member" not in board
    assert "you are number 2 of 2 by progress" in board
    api = APIClient()
    api.force_authenticate(people["other"])
    members = api.get(f"/api/v1/cohorts/{cohort.slug}/").json()["members"]
    assert [m["username"] for m in members] == ["stranger"]


def test_a_member_who_leaves_is_gone_on_the_next_request(client, cohort, people, shared_data):
    client.force_login(people["owner"])
    api = APIClient()
    api.force_authenticate(people["owner"])
    assert "Mel Member" in client.get(f"/cohorts/{cohort.slug}/").content.decode()
    assert [m["username"] for m in api.get(f"/api/v1/cohorts/{cohort.slug}/").json()["members"]] == ["member1"]

    member_client = APIClient()
    member_client.force_authenticate(people["member"])
    assert member_client.delete(f"/api/v1/cohorts/{cohort.slug}/membership/").status_code == 204

    assert "Mel Member" not in client.get(f"/cohorts/{cohort.slug}/").content.decode()
    assert client.get(f"/cohorts/{cohort.slug}/members/member1/").status_code == 404
    assert api.get(f"/api/v1/cohorts/{cohort.slug}/").json()["members"] == []
    assert member_client.get(f"/api/v1/cohorts/{cohort.slug}/").status_code == 404
    assert not Membership.objects.filter(user=people["member"]).exists()


def test_opt_out_link_is_the_only_credential_and_cannot_be_forged(client, cohort, people):
    from cohorts.emails import opt_out_token

    membership = cohort.memberships.get(user=people["member"])
    token = opt_out_token(membership, "nudges")
    assert client.get(f"/cohorts/emails/off/{token}/").status_code == 200
    membership.refresh_from_db()
    assert membership.nudges_opt_in  # GET changes nothing
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.post(f"/cohorts/emails/off/{forged}/").status_code == 400
    response = client.post(f"/cohorts/emails/off/{token}/")
    assert response.status_code == 200
    assert "are off" in response.content.decode()
    membership.refresh_from_db()
    assert not membership.nudges_opt_in


def test_a_learner_who_signed_up_elsewhere_is_led_back_to_the_invitation(client, cohort, cohort_owner):
    link = invitations.invite_link_create(cohort=cohort, by=cohort_owner)
    client.get(link.get_absolute_url())  # signed out: the join page remembers the invitation
    from tests.cohorts.conftest import verified_user

    newcomer = verified_user("newcomer")
    client.force_login(newcomer)  # keeps the session, as allauth's login does
    page = client.get("/cohorts/").content.decode()
    assert "You were joining “Spring study group”" in page
    assert link.get_absolute_url() in page
    invitations.invite_revoke(invite=link)
    assert "You were joining" not in client.get("/cohorts/").content.decode()


@pytest.mark.parametrize("model", ["cohort", "membership", "invite", "nudge", "invitemail", "mentordigest"])
def test_admin_lists_are_searchable(client, cohort, people, model):
    client.force_login(people["staff"])
    model = {"invitemail": "inviteemail"}.get(model, model)
    response = client.get(f"/admin/cohorts/{model}/?q=spring")
    assert response.status_code == 200


# --- the board's cached figures follow every change -----------------------------------------------


def _board_of(client, cohort):
    return client.get(f"/cohorts/{cohort.slug}/").content.decode()


def test_the_cached_board_follows_progress_projects_roles_and_settings(client, cohort, people):
    from roadmap.services import mark_topics

    member = people["member"]
    client.force_login(people["owner"])
    assert "0%</td>" in _board_of(client, cohort)
    topics = list(Topic.objects.filter(step__roadmap=cohort.roadmap).order_by("step__number", "order")[:12])
    mark_topic(user=member, topic=topics[0], status=TopicProgress.Status.DONE)
    assert '<td class="num">2%</td>' in _board_of(client, cohort)  # 1 of 48
    # The bulk progress service (no model signals) is followed too.
    mark_topics(user=member, changes=[(topic, TopicProgress.Status.DONE) for topic in topics])
    assert '<td class="num">25%</td>' in _board_of(client, cohort)
    member.portfolio_public = True
    member.save()
    ProjectFactory(owner=member, title="Fresh Project", slug="fresh", visibility=Project.Visibility.PUBLIC)
    assert "Fresh Project" in _board_of(client, cohort)
    member.display_name = "Mel Renamed"
    member.save()
    assert "Mel Renamed" in _board_of(client, cohort)
    services.membership_set_role(membership=cohort.memberships.get(user=member), role="mentor")
    page = _board_of(client, cohort)
    assert "Nobody has joined yet" in page
    assert "Mel Renamed (owner)" not in page


def test_a_cached_board_costs_a_few_queries(client, cohort, people, django_assert_max_num_queries):
    client.force_login(people["owner"])
    _board_of(client, cohort)
    # Session, user, the viewer's membership, the cohort's memberships, the layout's roadmap.
    with django_assert_max_num_queries(5):
        assert "Mel Member" in _board_of(client, cohort)
