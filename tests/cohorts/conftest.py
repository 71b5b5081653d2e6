"""Fixtures of the cohort tests: a cohort on a small roadmap, its people in each role, and helpers
to make verified users and members the way the product does (through the services)."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from cohorts import invitations, services
from cohorts.models import Membership
from tests.factories import UserFactory, build_roadmap


def verified_user(username: str, **kwargs):
    """A user whose primary address is verified in allauth (as after confirming it)."""
    user = UserFactory(username=username, **kwargs)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def join(cohort, user, *, role=Membership.Role.MEMBER, by=None):
    """`user` joins `cohort` through a join link, with consent; then gets `role`."""
    invite = invitations.invite_link_create(cohort=cohort, by=by)
    membership = invitations.cohort_join(invite=invite, user=user, consent=True)
    if role != Membership.Role.MEMBER:
        membership = services.membership_set_role(membership=membership, role=role)
    return membership


@pytest.fixture(autouse=True)
def _tasks_in_process(tasks_in_process):
    """The cohorts' email tasks run in this process (see tasks_in_process)."""


@pytest.fixture
def small_roadmap(db):
    """Four phases, one required step each of 12 topics (48 required topics)."""
    return build_roadmap(slug="ai-engineer")


@pytest.fixture
def cohort_owner(db):
    return verified_user("ada", display_name="Ada Owner")


@pytest.fixture
def cohort(cohort_owner, small_roadmap):
    return services.cohort_create(
        owner=cohort_owner,
        name="Spring study group",
        description="We meet on **Thursdays**.",
        roadmap=small_roadmap,
        start_date=timezone.localdate() - timedelta(days=60),
    )


@pytest.fixture
def people(cohort, cohort_owner):
    """Everyone the authorisation matrix walks: {role name: user or None (anonymous)}."""
    mentor = verified_user("mentor1", display_name="Mona Mentor")
    member = verified_user("member1", display_name="Mel Member")
    ex_member = verified_user("leaver", display_name="Lee Leaver")
    pending = verified_user("pending", display_name="Pat Pending")
    other = verified_user("stranger", display_name="Sam Stranger")
    staff = verified_user("staffer", is_staff=True, is_superuser=True)
    join(cohort, mentor, role=Membership.Role.MENTOR, by=cohort_owner)
    join(cohort, member, by=cohort_owner)
    gone = join(cohort, ex_member, by=cohort_owner)
    services.membership_leave(membership=gone)
    invitations.invite_email_create(cohort=cohort, by=cohort_owner, email=pending.email)
    return {
        "owner": cohort_owner,
        "mentor": mentor,
        "member": member,
        "ex_member": ex_member,
        "pending": pending,
        "other": other,
        "staff": staff,
        "anonymous": None,
    }
