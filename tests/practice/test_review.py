"""Spaced review: done topics come back on a ladder of intervals, in the learner's time zone."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from practice import schedule, selectors, services
from practice.models import ReviewCard, ReviewLog
from roadmap import hooks
from roadmap.models import Topic, TopicProgress
from roadmap.services import mark_topic

pytestmark = pytest.mark.django_db


def _done(user, slug, *, at=None):
    """Mark a topic done; `at` backdates its completion."""
    row = mark_topic(user=user, topic=Topic.objects.get(slug=slug), status="done")
    if at is not None:
        TopicProgress.objects.filter(pk=row.pk).update(completed_at=at)
    return TopicProgress.objects.select_related("topic").get(pk=row.pk)


def test_the_ladder_goes_up_when_remembered_and_down_when_forgotten():
    assert schedule.first_due(date(2026, 3, 1)) == date(2026, 3, 3)
    rung = schedule.FIRST_RUNG
    intervals = []
    for _ in range(6):
        rung = schedule.next_rung(rung, remembered=True)
        intervals.append(schedule.interval(rung))
    assert intervals == [7, 21, 60, 180, 180, 180]
    assert schedule.interval(schedule.next_rung(4, remembered=False)) == 21
    assert schedule.interval(schedule.next_rung(1, remembered=False)) == 1
    assert schedule.interval(schedule.next_rung(0, remembered=False)) == 1


def test_a_topic_done_today_is_due_two_days_later_not_before(roadmap, user):
    _done(user, "python-oop")
    today = user.today()
    assert selectors.due_reviews(user, today=today) == []
    assert selectors.due_reviews(user, today=today + timedelta(days=1)) == []
    due = selectors.due_reviews(user, today=today + timedelta(days=2))
    assert [row.topic.slug for row in due] == ["python-oop"]
    assert due[0].due_on == today + timedelta(days=2)


def test_skipped_and_learning_topics_never_come_back(roadmap, user):
    long_ago = timezone.now() - timedelta(days=30)
    _done(user, "python-oop", at=long_ago)
    for slug, state in (("sql-basic-queries", "skipped"), ("git-branching-strategies", "learning")):
        row = mark_topic(user=user, topic=Topic.objects.get(slug=slug), status=state)
        TopicProgress.objects.filter(pk=row.pk).update(completed_at=long_ago)
    assert [row.topic.slug for row in selectors.due_reviews(user)] == ["python-oop"]


def test_the_due_day_is_the_learners_own_day(roadmap):
    from tests.factories import UserFactory

    # Done at 23:30 UTC on 1 March: already 2 March in Tokyo, still 1 March in Los Angeles.
    done_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    tokyo, los_angeles = UserFactory(timezone="Asia/Tokyo"), UserFactory(timezone="America/Los_Angeles")
    for learner in (tokyo, los_angeles):
        _done(learner, "python-oop", at=done_at)
    assert selectors.due_reviews(tokyo, today=date(2026, 3, 4))[0].due_on == date(2026, 3, 4)
    assert selectors.due_reviews(tokyo, today=date(2026, 3, 3)) == []
    assert selectors.due_reviews(los_angeles, today=date(2026, 3, 3))[0].due_on == date(2026, 3, 3)
    counts = selectors.due_counts({tokyo.pk: date(2026, 3, 3), los_angeles.pk: date(2026, 3, 3)})
    assert counts == {tokyo.pk: 0, los_angeles.pk: 1}


def test_remembering_moves_the_topic_up_the_ladder_and_forgetting_down(roadmap, user):
    row = _done(user, "python-oop", at=timezone.now() - timedelta(days=3))
    today = user.today()
    log, _ = services.review_record(user=user, progress=row, remembered=True)
    card = ReviewCard.objects.get(user=user)
    assert (card.interval_days, card.due_on, card.reviews, card.lapses) == (7, today + timedelta(days=7), 1, 0)
    assert (log.kind, log.remembered, log.next_due_on) == ("self_rating", True, today + timedelta(days=7))
    assert selectors.due_reviews(user, today=today) == []
    services.review_record(user=user, progress=row, remembered=True)
    assert ReviewCard.objects.get(user=user).interval_days == 21
    services.review_record(user=user, progress=row, remembered=False)
    card = ReviewCard.objects.get(user=user)
    assert (card.interval_days, card.lapses) == (7, 1)
    assert ReviewLog.objects.filter(user=user).count() == 3


def test_a_review_by_questions_passes_only_with_the_right_answers(roadmap, user):
    row = _done(user, "python-numerical-computing", at=timezone.now() - timedelta(days=3))
    questions = selectors.questions_for(topic=row.topic)
    assert [q.slug for q in questions] == ["numpy-broadcasting"]
    right = {q.pk: [c.pk for c in q.choices.all() if c.correct] for q in questions}
    wrong = {q.pk: [next(c.pk for c in q.choices.all() if not c.correct)] for q in questions}
    log, _ = services.review_record(user=user, progress=row, answers=wrong)
    assert (log.kind, log.remembered, log.correct, log.total, log.interval_days) == ("questions", False, 0, 1, 1)
    log, _ = services.review_record(user=user, progress=row, answers=right)
    assert (log.remembered, log.interval_days) == (True, 2)


def test_the_review_page_asks_the_topics_questions_or_a_self_rating(client, roadmap, user):
    long_ago = timezone.now() - timedelta(days=5)
    _done(user, "python-numerical-computing", at=long_ago - timedelta(hours=1))
    _done(user, "math-integration", at=long_ago)
    client.force_login(user)
    html = client.get("/review/").content.decode()
    assert "<strong>2</strong> topics due today." in html
    # The longest waiting first: a topic with a question, asked without its answer.
    numpy = Topic.objects.get(slug="python-numerical-computing")
    question = numpy.questions.get()
    assert question.text_html in html
    assert question.explanation_html not in html
    assert 'type="radio"' in html
    right = [str(c.pk) for c in question.choices.all() if c.correct]
    response = client.post(f"/review/topics/{numpy.pk}/", {f"q{question.pk}": right})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Still solid: Numerical Computing" in page
    assert question.explanation_html in page
    assert "Next review in 7 days" in page
    # Then the topic without questions: a self rating with its step's resources.
    assert "How well do you still know it?" in page
    assert "Need a refresher" in page
    assert escape(Topic.objects.get(slug="math-integration").step.resources.first().title) in page
    showcasing = Topic.objects.get(slug="math-integration")
    response = client.post(f"/review/topics/{showcasing.pk}/", {"remembered": "no"})
    page = client.get(response["Location"]).content.decode()
    assert "Worth a refresher: Integration" in page
    assert "Next review in 1 day" in page
    assert "Nothing to review today" in page


def test_an_empty_review_page_says_what_to_do(client, roadmap, user):
    client.force_login(user)
    html = client.get("/review/").content.decode()
    assert "Nothing to review today" in html
    assert "two days later they come back here" in html


def test_bad_review_input_is_a_4xx(client, roadmap, user, outsider):
    row = _done(user, "math-integration", at=timezone.now() - timedelta(days=5))
    client.force_login(user)
    response = client.post(f"/review/topics/{row.topic_id}/", {"remembered": "maybe"})
    assert response.status_code == 400
    assert "Choose “Still solid” or “Need a refresher”." in response.content.decode()
    # Someone else's topic, a topic not done, an unknown topic: 404.
    client.force_login(outsider)
    assert client.post(f"/review/topics/{row.topic_id}/", {"remembered": "yes"}).status_code == 404
    client.force_login(user)
    other = Topic.objects.get(slug="sql-basic-queries")
    assert client.post(f"/review/topics/{other.pk}/", {"remembered": "yes"}).status_code == 404
    assert client.post("/review/topics/999999/", {"remembered": "yes"}).status_code == 404
    assert client.get(f"/review/topics/{row.topic_id}/").status_code == 405
    assert not ReviewLog.objects.exists()


def test_the_review_pages_need_a_login(client, roadmap):
    assert client.get("/review/")["Location"].startswith("/accounts/login/")


def test_reviews_due_reach_the_lower_apps_through_the_hook(roadmap, user):
    _done(user, "python-oop", at=timezone.now() - timedelta(days=3))
    _done(user, "python-numerical-computing")
    assert hooks.reviews_due(user) == 1
    assert hooks.reviews_due_for_users({user.pk: user.today() + timedelta(days=2)}) == {user.pk: 2}


def test_due_reviews_take_a_fixed_number_of_queries(roadmap, user, django_assert_num_queries):
    long_ago = timezone.now() - timedelta(days=40)
    for topic in Topic.objects.filter(step__roadmap=roadmap)[:3]:
        _done(user, topic.slug, at=long_ago)
    with django_assert_num_queries(1):
        assert len(selectors.due_reviews(user)) == 3
    for topic in Topic.objects.filter(step__roadmap=roadmap)[3:30]:
        _done(user, topic.slug, at=long_ago)
    with django_assert_num_queries(1):
        assert len(selectors.due_reviews(user)) == 30
    with django_assert_num_queries(1):
        assert selectors.due_counts({user.pk: user.today()}) == {user.pk: 30}
