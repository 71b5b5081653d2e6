"""The practice API's shapes. Questions go out without their answers; results come back after a
submission, scored on the server."""

from rest_framework import serializers

from config.api import StrictSerializer
from practice.forms import is_multiple
from practice.models import PASS_PERCENT

ID_MAX = 2**31 - 1
# More than every choice of the longest question: a longer list is refused as malformed.
CHOICES_MAX = 20
ANSWERS_MAX = 50


class ChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField(help_text="Markdown (inline code in backticks).")
    text_html = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    """A question as the learner sees it before answering: never which choices are right."""

    id = serializers.IntegerField()
    text = serializers.CharField(help_text="Markdown (inline code in backticks).")
    text_html = serializers.CharField()
    kind = serializers.SerializerMethodField(help_text='"single": choose one; "multiple": choose all that apply.')
    topic = serializers.CharField(
        source="topic.slug", allow_null=True, default=None, help_text="The slug of the topic it tests, if one."
    )
    choices = ChoiceSerializer(many=True, source="choices.all")

    def get_kind(self, question) -> str:
        return "multiple" if is_multiple(question) else "single"


class BestScoreSerializer(serializers.Serializer):
    correct = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    passed = serializers.BooleanField()


class CheckSerializer(serializers.Serializer):
    step = serializers.CharField(help_text="The step's slug.")
    title = serializers.CharField()
    pass_percent = serializers.IntegerField(default=PASS_PERCENT)
    questions = QuestionSerializer(many=True)
    best = BestScoreSerializer(allow_null=True, help_text="Your best attempt (null when signed out or not taken).")


class AnswerSerializer(StrictSerializer):
    question = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text="The question's id.")
    choices = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=CHOICES_MAX,
        help_text="The ids of the choices picked (one for a single-answer question).",
    )


class AnswersSerializer(StrictSerializer):
    answers = AnswerSerializer(many=True, max_length=ANSWERS_MAX, help_text="Questions left out count as wrong.")

    def validate_answers(self, value):
        seen = set()
        for index, answer in enumerate(value):
            if answer["question"] in seen:
                raise serializers.ValidationError(f"Question {answer['question']} is answered twice (item {index}).")
            seen.add(answer["question"])
        return value

    def as_dict(self) -> dict[int, list[int]]:
        return {answer["question"]: answer["choices"] for answer in self.validated_data["answers"]}


class QuestionResultSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    right = serializers.BooleanField()
    chosen = serializers.ListField(child=serializers.IntegerField())
    correct_choices = serializers.ListField(child=serializers.IntegerField(), source="correct_ids")
    explanation = serializers.CharField(source="question.explanation")
    explanation_html = serializers.CharField(source="question.explanation_html")


class ScoreSerializer(serializers.Serializer):
    correct = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    passed = serializers.BooleanField()
    results = QuestionResultSerializer(many=True)


class CheckResultSerializer(ScoreSerializer):
    attempt = serializers.IntegerField(help_text="The stored attempt's id.")
    submitted_at = serializers.DateTimeField()


class StepCheckSummarySerializer(serializers.Serializer):
    step = serializers.CharField()
    title = serializers.CharField()
    questions = serializers.IntegerField()
    best = BestScoreSerializer(allow_null=True)


class ReviewTopicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    step = serializers.CharField(source="step.slug")


class DueReviewSerializer(serializers.Serializer):
    topic = ReviewTopicSerializer()
    due_on = serializers.DateField(help_text="In your time zone.")
    kind = serializers.ChoiceField(
        choices=[("questions", "questions"), ("self_rating", "self_rating")],
        help_text='"questions": answer them; "self_rating": send remembered true or false.',
    )
    questions = QuestionSerializer(many=True)


class UpcomingDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    topics = serializers.IntegerField()


class ReviewsSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="Your date, in your time zone.")
    due_count = serializers.IntegerField()
    due = DueReviewSerializer(many=True)
    upcoming = UpcomingDaySerializer(many=True)


class ReviewWriteSerializer(StrictSerializer):
    remembered = serializers.BooleanField(required=False, help_text="A self rating, for a topic without questions.")
    answers = AnswerSerializer(many=True, required=False, max_length=ANSWERS_MAX)

    def validate(self, attrs):
        if ("remembered" in attrs) == ("answers" in attrs):
            raise serializers.ValidationError("Send either answers (a topic with questions) or remembered.")
        return attrs


class ReviewResultSerializer(serializers.Serializer):
    topic = ReviewTopicSerializer()
    remembered = serializers.BooleanField()
    correct = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField(allow_null=True)
    interval_days = serializers.IntegerField()
    next_due_on = serializers.DateField(help_text="In your time zone.")
    results = QuestionResultSerializer(many=True, help_text="Empty for a self rating.")
