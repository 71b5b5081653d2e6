"""Questions and effort hours are roadmap content: loaded idempotently, exported back, edited in the
admin, and every change lands in the changelog."""

import copy

import pytest

from roadmap.content_export import roadmap_export
from roadmap.loader import ContentError, roadmap_load
from roadmap.models import Choice, Question, RoadmapChange, Step, Topic

pytestmark = pytest.mark.django_db


def test_loading_the_same_file_again_changes_nothing(roadmap, roadmap_data):
    result = roadmap_load(data=roadmap_data)
    assert (result.created, result.changed, result.deleted) == (0, 0, 0)
    assert Question.objects.count() == 78
    exported = roadmap_export(roadmap)
    assert [len(step.get("questions", [])) for step in exported["steps"]] == [
        len(step.get("questions", [])) for step in roadmap_data["steps"]
    ]


def test_a_changed_question_choice_and_hours_are_logged(roadmap, roadmap_data):
    data = copy.deepcopy(roadmap_data)
    git = next(step for step in data["steps"] if step["slug"] == "git")
    git["questions"][0]["text"] = "What does `git switch -c topic` do?"
    git["questions"][0]["choices"].append({"text": "Renames the current branch"})
    git["topics"][0]["hours"] = 6
    result = roadmap_load(data=data)
    assert (result.created, result.changed) == (1, 2)
    question = Question.objects.get(step__slug="git", slug=git["questions"][0]["slug"])
    assert question.text_html == "What does <code>git switch -c topic</code> do?"
    assert question.choices.count() == 5
    assert Topic.objects.get(slug=git["topics"][0]["slug"]).hours == 6
    logged = {(c.action, c.object_type) for c in result.changes}
    assert logged == {("changed", "question"), ("created", "choice"), ("changed", "topic")}


def test_a_question_dropped_from_the_file_is_deleted_and_logged(roadmap, roadmap_data):
    data = copy.deepcopy(roadmap_data)
    sql = next(step for step in data["steps"] if step["slug"] == "sql")
    dropped = sql["questions"].pop()
    roadmap_load(data=data)
    assert not Question.objects.filter(step__slug="sql", slug=dropped["slug"]).exists()
    assert RoadmapChange.objects.filter(action="deleted", object_type="question").exists()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda q: q["choices"].__setitem__(slice(None), [{"text": "only one", "correct": True}]), "two choices"),
        (lambda q: [c.pop("correct", None) for c in q["choices"]], "marked correct"),
        (lambda q: q.update(topic="no-such-topic"), "unknown topic 'no-such-topic'"),
        (lambda q: q.pop("explanation"), "'explanation' is required"),
    ],
)
def test_invalid_questions_are_refused_with_a_clear_message(db, roadmap_data, mutate, message):
    data = copy.deepcopy(roadmap_data)
    mutate(data["steps"][0]["questions"][0])
    with pytest.raises(ContentError, match=message):
        roadmap_load(data=data)


def test_invalid_hours_are_refused(db, roadmap_data):
    data = copy.deepcopy(roadmap_data)
    data["steps"][0]["topics"][0]["hours"] = 0
    with pytest.raises(ContentError, match="hours must be a whole number from 1 to 200"):
        roadmap_load(data=data)


def _question_form(question, **changes):
    choices = list(question.choices.order_by("order"))
    data = {
        "step": question.step_id,
        "order": question.order,
        "slug": question.slug,
        "text": question.text,
        "topic": question.topic_id or "",
        "explanation": question.explanation,
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": len(choices),
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for i, choice in enumerate(choices):
        data.update(
            {
                f"choices-{i}-id": choice.pk,
                f"choices-{i}-question": question.pk,
                f"choices-{i}-order": choice.order,
                f"choices-{i}-text": choice.text,
            }
        )
        if choice.correct:
            data[f"choices-{i}-correct"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_an_editor_edits_a_question_in_the_admin_and_it_is_logged(client, roadmap, editor):
    client.force_login(editor)
    question = Question.objects.get(step__slug="python", slug="true-division")
    response = client.post(
        f"/admin/roadmap/question/{question.pk}/change/",
        _question_form(question, explanation="`/` always returns a float in Python 3."),
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    change = RoadmapChange.objects.filter(object_type="question", action="changed").latest("id")
    assert change.actor == editor
    assert change.fields[0]["field"] == "explanation"
    html = client.get("/roadmaps/ai-engineer/changes/").content.decode()
    assert "question" in html


def test_the_admin_refuses_a_question_without_a_correct_choice(client, roadmap, editor):
    client.force_login(editor)
    question = Question.objects.get(step__slug="python", slug="true-division")
    data = _question_form(question)
    for key in [k for k in data if k.endswith("-correct")]:
        del data[key]
    response = client.post(f"/admin/roadmap/question/{question.pk}/change/", data)
    assert response.status_code == 200
    assert "Mark at least one choice as correct" in response.content.decode()
    assert Choice.objects.filter(question=question, correct=True).count() == 1


def test_the_step_page_links_to_its_check_for_everyone(client, roadmap):
    html = client.get("/roadmaps/ai-engineer/steps/nlp/").content.decode()
    count = Step.objects.get(slug="nlp").questions.count()
    assert f"{count} multiple-choice questions on this step" in html
    assert 'href="/roadmaps/ai-engineer/steps/nlp/check/"' in html
