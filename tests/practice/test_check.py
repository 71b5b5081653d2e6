"""The self-check: questions without their answers, scored on the server, attempts kept, best counts."""

import re

import pytest

from practice.models import CheckAttempt
from roadmap.models import Question, Step

pytestmark = pytest.mark.django_db

URL = "/roadmaps/ai-engineer/steps/{}/check/"


def _answers(step, *, right: int):
    """Form data answering the step's questions: the first `right` of them right, the rest wrong."""
    data = {}
    for index, question in enumerate(step.questions.prefetch_related("choices").order_by("order", "id")):
        choices = list(question.choices.all())
        correct = [c.pk for c in choices if c.correct]
        wrong = [c.pk for c in choices if not c.correct][:1]
        data[f"q{question.pk}"] = [str(pk) for pk in (correct if index < right else wrong)]
    return data


def test_every_step_has_four_to_eight_questions_each_with_a_right_answer_and_an_explanation(roadmap):
    for step in Step.objects.filter(roadmap=roadmap).prefetch_related("questions__choices"):
        questions = list(step.questions.all())
        assert 4 <= len(questions) <= 8, step.slug
        for question in questions:
            choices = list(question.choices.all())
            assert len(choices) >= 2
            assert any(c.correct for c in choices), question.slug
            assert question.explanation
            assert question.topic is None or question.topic.step.roadmap_id == roadmap.pk


def test_the_check_page_never_tells_which_answers_are_right(client, roadmap):
    step = Step.objects.get(slug="python")
    html = client.get(URL.format("python")).content.decode()
    questions = list(step.questions.prefetch_related("choices"))
    assert f"{len(questions)} questions. You pass with 80% right." in html
    for question in questions:
        assert question.text_html in html
        for choice in question.choices.all():
            assert choice.text_html in html
        # The explanation gives the answer away: it is only shown after submitting.
        assert question.explanation_html not in html
    assert "correct" not in html.lower().replace("correct answer", "")
    assert "is-correct" not in html
    # Radio buttons for one right answer, checkboxes where several may be.
    dataclass = step.questions.get(slug="dataclass")
    assert re.search(rf'type="checkbox" name="q{dataclass.pk}"', html)
    division = step.questions.get(slug="true-division")
    assert re.search(rf'type="radio" name="q{division.pk}"', html)


def test_a_learner_passes_and_sees_every_explanation(client, roadmap, user):
    client.force_login(user)
    step = Step.objects.get(slug="python")
    total = step.questions.count()
    response = client.post(URL.format("python"), _answers(step, right=total))
    attempt = CheckAttempt.objects.get(user=user)
    assert response.status_code == 302
    assert response["Location"] == f"/roadmaps/ai-engineer/steps/python/check/attempts/{attempt.pk}/"
    assert (attempt.correct, attempt.total, attempt.passed) == (total, total, True)
    html = client.get(response["Location"]).content.decode()
    assert f"Passed: {total} of {total} right" in html
    for question in step.questions.all():
        assert question.explanation_html in html
    assert "Retake the check" in html


def test_eighty_percent_passes_and_less_does_not(client, roadmap, user):
    client.force_login(user)
    step = Step.objects.get(slug="mathematics")  # 8 questions
    assert step.questions.count() == 8
    client.post(URL.format("mathematics"), _answers(step, right=6))  # 75%
    client.post(URL.format("mathematics"), _answers(step, right=7))  # 87.5%
    scores = list(CheckAttempt.objects.filter(user=user).order_by("id").values_list("correct", "passed"))
    assert scores == [(6, False), (7, True)]


def test_a_multiple_answer_question_needs_exactly_its_right_choices(client, roadmap, user):
    client.force_login(user)
    step = Step.objects.get(slug="python")
    data = _answers(step, right=99)
    dataclass = step.questions.get(slug="dataclass")
    right = [c.pk for c in dataclass.choices.all() if c.correct]
    assert len(right) == 2
    data[f"q{dataclass.pk}"] = [str(right[0])]  # only half of it
    client.post(URL.format("python"), data)
    attempt = CheckAttempt.objects.get(user=user)
    assert attempt.correct == attempt.total - 1


def test_the_best_attempt_counts_and_shows_as_checked_n_of_m(client, roadmap, user):
    client.force_login(user)
    step = Step.objects.get(slug="git")
    total = step.questions.count()
    client.post(URL.format("git"), _answers(step, right=total))
    client.post(URL.format("git"), _answers(step, right=1))
    html = client.get(URL.format("git")).content.decode()
    assert f"Best score: <strong>{total}/{total}</strong>" in html
    assert html.count("not passed</span>") == 1
    step_page = client.get("/roadmaps/ai-engineer/steps/git/").content.decode()
    assert f"checked: {total}/{total}" in step_page


def test_unanswered_questions_are_a_400_naming_them_and_keep_the_answers_given(client, roadmap, user):
    client.force_login(user)
    step = Step.objects.get(slug="sql")
    data = _answers(step, right=99)
    questions = list(step.questions.order_by("order", "id"))
    del data[f"q{questions[1].pk}"], data[f"q{questions[4].pk}"]
    response = client.post(URL.format("sql"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "2 questions still need an answer" in html
    assert "Question 2 has no answer yet." in html
    assert "Question 5 has no answer yet." in html
    # What was answered stays checked.
    first_choice = data[f"q{questions[0].pk}"][0]
    assert re.search(rf'value="{first_choice}"[^>]*checked', html)
    assert not CheckAttempt.objects.exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data, other: {**data, next(iter(data)): ["not-a-number"]},
        lambda data, other: {**data, next(iter(data)): [str(other)]},  # a choice of another question
    ],
)
def test_tampered_answers_are_a_400_not_a_500(client, roadmap, user, tamper):
    client.force_login(user)
    step = Step.objects.get(slug="nlp")
    other = Question.objects.get(step__slug="sql", slug="left-join").choices.first().pk
    response = client.post(URL.format("nlp"), tamper(_answers(step, right=99), other))
    assert response.status_code == 400
    assert not CheckAttempt.objects.exists()


def test_two_answers_to_a_one_answer_question_are_refused(client, roadmap, user):
    client.force_login(user)
    step = Step.objects.get(slug="python")
    data = _answers(step, right=99)
    division = step.questions.get(slug="true-division")
    data[f"q{division.pk}"] = [str(c.pk) for c in division.choices.all()[:2]]
    assert client.post(URL.format("python"), data).status_code == 400
    assert not CheckAttempt.objects.exists()


def test_a_visitor_can_take_the_check_but_nothing_is_kept(client, roadmap):
    step = Step.objects.get(slug="python")
    total = step.questions.count()
    response = client.post(URL.format("python"), _answers(step, right=total - 2))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Not yet: {total - 2} of {total} right" in html
    assert "Log in</a> to keep your scores" in html
    assert not CheckAttempt.objects.exists()


def test_an_attempt_is_private_to_its_learner(client, roadmap, owner, outsider):
    client.force_login(owner)
    step = Step.objects.get(slug="python")
    client.post(URL.format("python"), _answers(step, right=3))
    attempt = CheckAttempt.objects.get(user=owner)
    url = f"/roadmaps/ai-engineer/steps/python/check/attempts/{attempt.pk}/"
    assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    # Another step's address for the same attempt is a 404 too.
    client.force_login(owner)
    assert client.get(f"/roadmaps/ai-engineer/steps/git/check/attempts/{attempt.pk}/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_unknown_step_is_a_404(client, roadmap):
    assert client.get(URL.format("no-such-step")).status_code == 404


def test_an_old_attempt_keeps_its_score_when_the_questions_change(client, roadmap, user):
    client.force_login(user)
    step = Step.objects.get(slug="git")
    total = step.questions.count()
    client.post(URL.format("git"), _answers(step, right=total))
    attempt = CheckAttempt.objects.get(user=user)
    step.questions.order_by("order").last().delete()
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert f"Passed: {total} of {total} right" in html
    assert "The questions have changed since this attempt" in html
