"""config.db.CompiledQuery: a queryset compiled once, run again with new values, reads exactly what
the ORM reads (on SQLite the values go through the ORM's converters: dates, datetimes, booleans)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import AuthenticationBackend, ModelBackend
from accounts.models import User
from config.db import ANY_ID, CompiledQuery
from roadmap.models import TopicProgress
from roadmap.selectors import started_topics
from roadmap.services import mark_topic
from tests.factories import UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

by_id = CompiledQuery(User, lambda pk: User.objects.filter(pk=pk), (ANY_ID,))


def _fields(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


@pytest.fixture
def user():
    user = UserFactory(
        display_name="Ada L.",
        bio="**Hi**",
        plan_start_date=datetime.date(2026, 1, 5),
        hours_per_week=12,
        portfolio_public=True,
        show_progress=False,
        timezone="Asia/Tokyo",
    )
    user.last_login = timezone.now().replace(microsecond=123456)
    user.save()
    return user


def test_model_rows_read_the_same_as_the_orm(user):
    UserFactory()  # another row, not returned
    rows = by_id.rows(user.pk)
    assert len(rows) == 1
    compiled, orm = rows[0], User.objects.get(pk=user.pk)
    assert _fields(compiled) == _fields(orm)
    assert compiled.plan_start_date == datetime.date(2026, 1, 5)
    assert compiled.last_login == user.last_login
    assert timezone.is_aware(compiled.last_login)
    assert compiled.portfolio_public is True
    assert compiled.show_progress is False
    assert compiled._state.adding is False
    assert compiled._state.db == "default"
    # Saving an instance read this way updates its row, as with one read by the ORM.
    compiled.headline = "Now an AI engineer"
    compiled.save(update_fields=["headline"])
    assert User.objects.get(pk=user.pk).headline == "Now an AI engineer"


def test_each_run_uses_its_own_values_in_one_query(user):
    other = UserFactory(username="other")
    with CaptureQueriesContext(connection) as queries:
        assert [u.username for u in by_id.rows(other.pk)] == ["other"]
        assert [u.username for u in by_id.rows(user.pk)] == [user.username]
        assert by_id.rows(10**9) == []
    assert len(queries) == 3


def test_values_list_rows_and_constants_in_the_query(user):
    roadmap = build_roadmap(steps_per_phase=1, topics_per_step=3)
    first, second, third = roadmap.steps.get(number=1).topics.order_by("order")
    mark_topic(user=user, topic=first, status="done")
    mark_topic(user=user, topic=second, status="learning")
    mark_topic(user=user, topic=third, status="not_started")  # the query excludes this state
    mark_topic(user=UserFactory(), topic=first, status="done")  # another learner's
    expected = set(
        TopicProgress.objects.filter(user=user).exclude(status="not_started").values_list("topic_id", "status")
    )
    assert expected == {(first.pk, "done"), (second.pk, "learning")}
    assert set(started_topics(user)) == expected


def test_what_it_cannot_compile_is_refused():
    missing = CompiledQuery(User, lambda pk: User.objects.filter(is_active=True), (ANY_ID,))
    with pytest.raises(ValueError, match="each stand-in"):
        missing.rows(1)
    joined = CompiledQuery(
        TopicProgress, lambda pk: TopicProgress.objects.select_related("topic").filter(user_id=pk), (ANY_ID,)
    )
    with pytest.raises(ValueError, match="own fields only"):
        joined.rows(1)
    deferred = CompiledQuery(User, lambda pk: User.objects.only("username").filter(pk=pk), (ANY_ID,))
    with pytest.raises(ValueError, match="own fields only"):
        deferred.rows(1)


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_backends_read_the_user_as_django_does(user, backend):
    found = backend().get_user(user.pk)
    assert _fields(found) == _fields(User.objects.get(pk=user.pk))
    assert backend().get_user(str(user.pk)).pk == user.pk  # as a session may hold it
    assert backend().get_user(10**9) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend().get_user(user.pk) is None  # may not sign in: as Django's ModelBackend


def test_a_signed_in_request_sees_a_password_change_at_once(client, user):
    """The session's user is read on every request (never a stale copy): a password changed
    elsewhere ends this session, as Django's session hash check requires."""
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200
    user.set_password("another long passphrase 77")
    user.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
