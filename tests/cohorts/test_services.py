"""The cohort's rules, through its services: creating, inviting, joining with consent, leaving,
the owner's management, and what happens when an account goes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.selectors import user_export
from accounts.services import account_delete
from cohorts import invitations, services
from cohorts.models import Cohort, Invite, InviteEmail, Membership, Nudge
from tests.cohorts.conftest import join, verified_user

Role = Membership.Role


def test_create_makes_the_creator_owner_with_a_unique_slug(cohort_owner, small_roadmap):
    start = timezone.localdate()
    first = services.cohort_create(owner=cohort_owner, name="  ML   Club ", roadmap=small_roadmap, start_date=start)
    second = services.cohort_create(owner=cohort_owner, name="ML club", roadmap=small_roadmap, start_date=start)
    reserved = services.cohort_create(owner=cohort_owner, name="New", roadmap=small_roadmap, start_date=start)
    assert (first.name, first.slug, second.slug, reserved.slug) == ("ML Club", "ml-club", "ml-club-2", "new-cohort")
    assert list(first.memberships.values_list("user__username", "role")) == [("ada", "owner")]


def test_create_refuses_a_blank_name(cohort_owner, small_roadmap):
    with pytest.raises(ValidationError) as error:
        services.cohort_create(owner=cohort_owner, name="   ", roadmap=small_roadmap, start_date=timezone.localdate())
    assert error.value.message_dict == {"name": ["Give the cohort a name."]}


def test_description_is_rendered_and_sanitised(cohort, cohort_owner):
    services.cohort_update(
        cohort=cohort,
        name="Renamed",
        description="**hi** <script>alert(1)</script>",
        start_date=cohort.start_date,
        members_see_each_other=False,
    )
    cohort.refresh_from_db()
    assert "<strong>hi</strong>" in cohort.description_html
    assert "<script" not in cohort.description_html
    assert (cohort.name, cohort.slug, cohort.members_see_each_other) == ("Renamed", "spring-study-group", False)


def test_joining_needs_consent(cohort, cohort_owner):
    learner = verified_user("bea")
    invite = invitations.invite_link_create(cohort=cohort, by=cohort_owner)
    with pytest.raises(ValidationError) as error:
        invitations.cohort_join(invite=invite, user=learner, consent=False)
    assert "consent" in error.value.message_dict
    assert not Membership.objects.filter(user=learner).exists()


def test_a_link_is_reusable_until_it_expires_or_is_revoked(cohort, cohort_owner):
    invite = invitations.invite_link_create(cohort=cohort, by=cohort_owner, days=7)
    assert invite.expires_at - timezone.now() > timedelta(days=6, hours=23)
    for name in ("bea", "cal"):
        invitations.cohort_join(invite=invite, user=verified_user(name), consent=True)
    invite.refresh_from_db()
    assert invite.uses == 2
    assert invite.status == Invite.Status.PENDING

    invitations.invite_revoke(invite=invite)
    with pytest.raises(ValidationError, match="withdrawn"):
        invitations.cohort_join(invite=invite, user=verified_user("dan"), consent=True)

    expired = invitations.invite_link_create(cohort=cohort, by=cohort_owner, days=1)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expired"):
        invitations.cohort_join(invite=expired, user=verified_user("eve"), consent=True)


def test_link_validity_is_bounded(cohort, cohort_owner):
    for days in (0, 91, "7"):
        with pytest.raises(ValidationError):
            invitations.invite_link_create(cohort=cohort, by=cohort_owner, days=days)


def test_joining_twice_is_refused(cohort, cohort_owner):
    learner = verified_user("bea")
    join(cohort, learner, by=cohort_owner)
    with pytest.raises(ValidationError, match="already in this cohort"):
        join(cohort, learner, by=cohort_owner)


def test_joining_can_align_the_plan_start_or_keep_it(cohort, cohort_owner):
    keeper = verified_user("keeper")
    aligner = verified_user("aligner")
    invite = invitations.invite_link_create(cohort=cohort, by=cohort_owner)
    invitations.cohort_join(invite=invite, user=keeper, consent=True, align_plan=False)
    invitations.cohort_join(invite=invite, user=aligner, consent=True, align_plan=True)
    keeper.refresh_from_db()
    aligner.refresh_from_db()
    assert keeper.plan_start_date is None
    assert aligner.plan_start_date == cohort.start_date


def test_an_email_invitation_is_for_whoever_verified_that_address(cohort, cohort_owner):
    invite, created = invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="Cat@Example.COM")
    assert created
    assert invite.email == "Cat@example.com"
    someone_else = verified_user("mallory")
    with pytest.raises(ValidationError, match="sent to another email address"):
        invitations.cohort_join(invite=invite, user=someone_else, consent=True)
    cat = verified_user("cat", email="cat@example.com")
    invitations.cohort_join(invite=invite, user=cat, consent=True)
    invite.refresh_from_db()
    assert (invite.status, invite.uses) == (Invite.Status.ACCEPTED, 1)
    # Answered: it cannot be used again, even by its addressee.
    with pytest.raises(ValidationError, match="already accepted"):
        invitations.invite_check(invite=invite, user=cat)


def test_an_unverified_address_cannot_accept(cohort, cohort_owner):
    from tests.factories import UserFactory

    unverified = UserFactory(username="unverified", email="unv@example.com")
    invite, _ = invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="unv@example.com")
    with pytest.raises(ValidationError, match="another email address"):
        invitations.cohort_join(invite=invite, user=unverified, consent=True)


def test_inviting_an_address_again_resends_within_the_limits(
    cohort, cohort_owner, mailoutbox, django_capture_on_commit_callbacks
):
    def sent_a_while_ago():
        Invite.objects.filter(pk=invite.pk).update(last_sent_at=timezone.now() - timedelta(minutes=11))

    with django_capture_on_commit_callbacks(execute=True):
        invite, created = invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="cat@example.com")
    assert created
    with pytest.raises(services.RateLimited, match="a moment ago"):
        invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="CAT@example.com")
    sent_a_while_ago()
    with django_capture_on_commit_callbacks(execute=True):
        again, created = invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="CAT@example.com")
    assert (again.pk, again.sends, created) == (invite.pk, 2, False)
    sent_a_while_ago()
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite_email_resend(invite=Invite.objects.get(pk=invite.pk))
    sent_a_while_ago()
    with pytest.raises(services.RateLimited, match="sent 3 times"):
        invitations.invite_email_resend(invite=Invite.objects.get(pk=invite.pk))
    # One email per send, each delivered once (eager Celery, the locmem backend).
    assert list(InviteEmail.objects.filter(invite=invite).values_list("number", "status")) == [
        (1, "sent"),
        (2, "sent"),
        (3, "sent"),
    ]
    assert [m.to for m in mailoutbox] == [["cat@example.com"]] * 3


def test_inviting_a_member_is_refused(cohort, cohort_owner):
    member = verified_user("bea")
    join(cohort, member, by=cohort_owner)
    with pytest.raises(ValidationError, match="already in the cohort"):
        invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="BEA@example.com")


def test_declining_marks_the_invitation(cohort, cohort_owner):
    cat = verified_user("cat")
    invite, _ = invitations.invite_email_create(cohort=cohort, by=cohort_owner, email=cat.email)
    invitations.invite_decline(invite=invite, user=cat)
    invite.refresh_from_db()
    assert invite.status == Invite.Status.DECLINED
    with pytest.raises(ValidationError, match="already declined"):
        invitations.cohort_join(invite=invite, user=cat, consent=True)


def test_the_owner_cannot_leave_but_others_can(cohort, cohort_owner):
    owner_membership = cohort.memberships.get(user=cohort_owner)
    with pytest.raises(ValidationError, match="transfer it"):
        services.membership_leave(membership=owner_membership)
    member = join(cohort, verified_user("bea"), by=cohort_owner)
    services.membership_leave(membership=member)
    assert list(cohort.memberships.values_list("user__username", flat=True)) == ["ada"]


def test_roles_and_transfer(cohort, cohort_owner):
    bea = join(cohort, verified_user("bea"), by=cohort_owner)
    services.membership_set_role(membership=bea, role="mentor")
    with pytest.raises(ValidationError):
        services.membership_set_role(membership=bea, role="owner")
    services.ownership_transfer(cohort=cohort, to=bea)
    roles = dict(cohort.memberships.values_list("user__username", "role"))
    assert roles == {"ada": "mentor", "bea": "owner"}
    with pytest.raises(ValidationError, match="owner cannot be removed"):
        services.membership_remove(membership=cohort.memberships.get(user__username="bea"))


def test_archiving_revokes_invitations_and_stops_joining(cohort, cohort_owner):
    invite = invitations.invite_link_create(cohort=cohort, by=cohort_owner)
    services.cohort_archive(cohort=cohort)
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    with pytest.raises(ValidationError, match="archived"):
        invitations.invite_link_create(cohort=cohort, by=cohort_owner)
    services.cohort_archive(cohort=cohort, archived=False)
    assert Cohort.objects.get(pk=cohort.pk).archived_at is None


def test_deleting_a_cohort_keeps_the_members_data(cohort, cohort_owner):
    from tests.factories import ProjectFactory

    member = verified_user("bea")
    join(cohort, member, by=cohort_owner)
    ProjectFactory(owner=member)
    services.cohort_delete(cohort=cohort)
    assert not Cohort.objects.exists()
    assert not Membership.objects.exists()
    assert member.projects.count() == 1


def test_an_owner_deleting_their_account_hands_the_cohort_to_the_first_mentor(cohort, cohort_owner):
    join(cohort, verified_user("bea"), by=cohort_owner)
    join(cohort, verified_user("cal"), role=Role.MENTOR, by=cohort_owner)
    account_delete(user=cohort_owner)
    assert dict(cohort.memberships.values_list("user__username", "role")) == {"bea": "member", "cal": "owner"}


def test_an_owner_alone_deleting_their_account_deletes_the_cohort(cohort, cohort_owner):
    account_delete(user=cohort_owner)
    assert not Cohort.objects.exists()


def test_a_deleted_member_disappears_from_the_cohort(cohort, cohort_owner):
    bea = verified_user("bea")
    join(cohort, bea, by=cohort_owner)
    account_delete(user=bea)
    assert list(cohort.memberships.values_list("user__username", flat=True)) == ["ada"]


def test_nudges_go_to_members_once_a_day_and_respect_the_opt_out(
    cohort, cohort_owner, mailoutbox, django_capture_on_commit_callbacks
):
    bea = join(cohort, verified_user("bea"), by=cohort_owner)
    cal = join(cohort, verified_user("cal"), by=cohort_owner)
    mentor = join(cohort, verified_user("mo"), role=Role.MENTOR, by=cohort_owner)
    services.membership_set_email(membership=cal, kind="nudges", opt_in=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=[bea, cal, mentor], message=" Hi! ")
    assert [n.recipient.username for n in result.queued] == ["bea"]
    assert [n.recipient.username for n in result.opted_out] == ["cal"]
    assert dict(Nudge.objects.values_list("recipient__username", "status")) == {"bea": "sent", "cal": "skipped"}
    assert [m.to for m in mailoutbox] == [["bea@example.com"]]
    assert "Hi!" in mailoutbox[0].body

    again = services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=[bea], message="Again")
    assert again.queued == []
    assert [m.user.username for m in again.too_soon] == ["bea"]
    assert len(mailoutbox) == 1


def test_a_nudge_needs_a_short_message(cohort, cohort_owner):
    bea = join(cohort, verified_user("bea"), by=cohort_owner)
    with pytest.raises(ValidationError, match="Write a short note"):
        services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=[bea], message="   ")
    with pytest.raises(ValidationError, match="under 500"):
        services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=[bea], message="x" * 501)


def test_a_mentor_has_a_daily_nudge_limit(cohort, cohort_owner, monkeypatch):
    monkeypatch.setattr(services, "NUDGES_PER_SENDER_PER_DAY", 2)
    members = [join(cohort, verified_user(f"m{i}"), by=cohort_owner) for i in range(3)]
    services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=members[:2], message="Go")
    with pytest.raises(services.RateLimited, match="0 left today"):
        services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=members[2:], message="Go")


def test_leaving_forgets_the_nudges_received(cohort, cohort_owner):
    bea = join(cohort, verified_user("bea"), by=cohort_owner)
    services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=[bea], message="Go")
    services.membership_leave(membership=bea)
    assert not Nudge.objects.exists()


def test_the_export_lists_my_memberships_and_nudges_but_nobody_else(cohort, cohort_owner):
    bea_user = verified_user("bea")
    bea = join(cohort, bea_user, by=cohort_owner)
    join(cohort, verified_user("cal"), by=cohort_owner)
    services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=[bea], message="Keep going")
    section = user_export(bea_user)["cohorts"]
    assert len(section) == 1
    entry = section[0]
    assert (entry["cohort"], entry["role"], entry["emails_from_mentors"]) == ("Spring study group", "member", True)
    assert [(n["from"], n["message"]) for n in entry["nudges_received"]] == [("ada", "Keep going")]
    assert "cal" not in str(section)
    assert user_export(cohort_owner)["cohorts"][0]["role"] == "owner"
