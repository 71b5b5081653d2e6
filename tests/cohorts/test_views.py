"""The cohort pages as people use them: forms with clear messages, bad input answered with a 4xx,
nudging everyone behind plan, leaving and deleting with confirmation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cohorts import invitations, services
from cohorts.models import Cohort, Invite, Membership, Nudge
from tests.cohorts.conftest import join, verified_user


def test_create_form_validates_with_clear_messages(client, cohort_owner, small_roadmap):
    client.force_login(cohort_owner)
    response = client.post("/cohorts/new/", {"name": "", "roadmap": small_roadmap.pk, "start_date": "2001-01-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Choose a start date within the last year." in page
    response = client.post(
        "/cohorts/new/",
        {"name": "Night owls", "roadmap": small_roadmap.pk, "start_date": timezone.localdate().isoformat()},
    )
    assert response["Location"] == "/cohorts/night-owls/manage/"
    cohort = Cohort.objects.get(slug="night-owls")
    assert cohort.members_see_each_other is False  # an unticked box is a choice
    assert cohort.memberships.get().role == "owner"


@pytest.mark.parametrize(
    "path", ["/cohorts/{slug}/?page=99", "/cohorts/{slug}/?page=abc", "/cohorts/{slug}/members/nobody/"]
)
def test_bad_addresses_are_404_not_500(client, cohort, cohort_owner, path):
    client.force_login(cohort_owner)
    assert client.get(path.format(slug=cohort.slug)).status_code == 404


def test_unknown_sort_falls_back_to_names(client, cohort, cohort_owner):
    client.force_login(cohort_owner)
    assert client.get(f"/cohorts/{cohort.slug}/?sort=evil").status_code == 200


def test_join_page_explains_expired_revoked_and_archived(client, cohort, cohort_owner):
    bea = verified_user("bea")
    client.force_login(bea)
    expired = invitations.invite_link_create(cohort=cohort, by=cohort_owner)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = client.get(expired.get_absolute_url())
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    revoked = invitations.invite_revoke(invite=invitations.invite_link_create(cohort=cohort, by=cohort_owner))
    response = client.get(revoked.get_absolute_url())
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    # An old link names the cohort, nothing more: not its mentors, description or size.
    assert "Ada Owner" not in response.content.decode()
    assert "Thursdays" not in response.content.decode()
    open_link = invitations.invite_link_create(cohort=cohort, by=cohort_owner)
    services.cohort_archive(cohort=cohort)
    response = client.get(open_link.get_absolute_url())
    assert response.status_code == 410
    assert "archived" in response.content.decode()
    assert client.post(open_link.get_absolute_url(), {"consent": "on", "plan": "keep"}).status_code == 410
    assert not Membership.objects.filter(user=bea).exists()


def test_nudge_everyone_behind_plan(client, cohort, cohort_owner, mailoutbox, django_capture_on_commit_callbacks):
    behind = join(cohort, verified_user("slow", display_name="Slow"), by=cohort_owner).user
    behind.plan_start_date = timezone.localdate() - timedelta(days=120)
    behind.save()
    join(cohort, verified_user("fresh", display_name="Fresh"), by=cohort_owner)  # plan starts today: on plan
    client.force_login(cohort_owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cohorts/{cohort.slug}/nudge/", {"to": "behind", "message": "You can do it"})
    assert response.status_code == 302
    assert list(Nudge.objects.values_list("recipient__username", "status")) == [("slow", "sent")]
    assert [m.to for m in mailoutbox] == [["slow@example.com"]]
    page = client.get(response["Location"]).content.decode()
    assert "Nudge sent to Slow." in page


def test_a_nudge_without_a_message_is_a_400(client, cohort, cohort_owner):
    join(cohort, verified_user("bea"), by=cohort_owner)
    client.force_login(cohort_owner)
    response = client.post(f"/cohorts/{cohort.slug}/nudge/", {"to": "bea", "message": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_email_invitation_form_errors_stay_on_the_page(client, cohort, cohort_owner):
    client.force_login(cohort_owner)
    response = client.post(f"/cohorts/{cohort.slug}/invites/email/", {"email": "not an address", "days": "7"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    response = client.post(f"/cohorts/{cohort.slug}/invites/email/", {"email": "ada@example.com", "days": "7"})
    assert response.status_code == 400
    assert "already in the cohort" in response.content.decode()


def test_leaving_and_deleting_ask_first(client, cohort, cohort_owner):
    bea = join(cohort, verified_user("bea"), by=cohort_owner).user
    client.force_login(bea)
    assert "Leave the cohort" in client.get(f"/cohorts/{cohort.slug}/leave/").content.decode()
    assert Membership.objects.filter(user=bea).exists()
    client.post(f"/cohorts/{cohort.slug}/leave/")
    assert not Membership.objects.filter(user=bea).exists()

    client.force_login(cohort_owner)
    response = client.post(f"/cohorts/{cohort.slug}/delete/", {"confirm": "wrong name"})
    assert response.status_code == 400
    assert "That is not the cohort" in response.content.decode()
    assert Cohort.objects.filter(pk=cohort.pk).exists()
    response = client.post(f"/cohorts/{cohort.slug}/delete/", {"confirm": "spring  STUDY group"})
    assert response["Location"] == "/cohorts/"
    assert not Cohort.objects.filter(pk=cohort.pk).exists()


def test_transfer_needs_a_choice(client, cohort, cohort_owner):
    join(cohort, verified_user("bea"), by=cohort_owner)
    client.force_login(cohort_owner)
    response = client.post(f"/cohorts/{cohort.slug}/transfer/", {"to": "nobody"})
    assert response.status_code == 400
    assert "Choose who takes the cohort over." in response.content.decode()
    client.post(f"/cohorts/{cohort.slug}/transfer/", {"to": "bea"})
    assert dict(cohort.memberships.values_list("user__username", "role")) == {"ada": "mentor", "bea": "owner"}


def test_a_cohort_may_send_a_hundred_new_email_invitations_a_day(cohort, cohort_owner, monkeypatch):
    monkeypatch.setattr(invitations, "EMAIL_INVITES_PER_DAY", 2)
    for n in range(2):
        invitations.invite_email_create(cohort=cohort, by=cohort_owner, email=f"x{n}@example.com")
    with pytest.raises(invitations.RateLimited, match="2 new email invitations a day"):
        invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="x3@example.com")
