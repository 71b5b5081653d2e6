"""Scoring a self-check on the server: a question counts as right when the choices picked are exactly
its correct ones (all of them, and nothing else)."""

from dataclasses import dataclass, field

from practice.models import PASS_PERCENT


@dataclass
class QuestionResult:
    question: object
    chosen: list[int]
    correct_ids: list[int]

    @property
    def right(self) -> bool:
        return set(self.chosen) == set(self.correct_ids)

    @property
    def choice_rows(self) -> list[tuple[object, bool]]:
        """(choice, whether the learner picked it) for each of the question's choices, in order."""
        return [(choice, choice.pk in self.chosen) for choice in self.question.choices.all()]


@dataclass
class Score:
    results: list[QuestionResult] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def correct(self) -> int:
        return sum(result.right for result in self.results)

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def passed(self) -> bool:
        return self.total > 0 and 100 * self.correct >= PASS_PERCENT * self.total


def score(questions, answers: dict[int, list[int]]) -> Score:
    """The score of `answers` ({question id: [choice ids]}) on `questions` (with their choices
    prefetched). A question without an answer counts as wrong."""
    result = Score()
    for question in questions:
        correct_ids = [choice.pk for choice in question.choices.all() if choice.correct]
        result.results.append(
            QuestionResult(question=question, chosen=sorted(answers.get(question.pk, [])), correct_ids=correct_ids)
        )
    return result
