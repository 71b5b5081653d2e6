"""The self-check and review forms: one field per question (radio buttons when one choice is right,
checkboxes when several may be), built from the questions and validated against their choices. The
forms never carry which choices are right."""

from django import forms
from django.utils.safestring import mark_safe


def question_field_name(question) -> str:
    return f"q{question.pk}"


def is_multiple(question) -> bool:
    """Whether a question may have several right choices (checkboxes): said to the learner, as a
    written exam says "choose all that apply"."""
    return sum(choice.correct for choice in question.choices.all()) > 1


class QuestionsForm(forms.Form):
    """Answers to a list of questions (with their choices prefetched). Every question must be answered."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, question in enumerate(questions, start=1):
            # Choice texts are Markdown rendered and sanitised when saved (roadmap.markdown).
            choices = [(str(choice.pk), mark_safe(choice.text_html)) for choice in question.choices.all()]
            messages = {"required": f"Question {number} has no answer yet."}
            if is_multiple(question):
                field = forms.MultipleChoiceField(
                    choices=choices, widget=forms.CheckboxSelectMultiple, error_messages=messages
                )
            else:
                field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, error_messages=messages)
            field.question = question
            field.number = number
            field.multiple = is_multiple(question)
            self.fields[question_field_name(question)] = field

    def clean(self):
        cleaned = super().clean()
        # A radio group sends one value; more than one is a tampered form, not a choice.
        for name, field in self.fields.items():
            if not field.multiple and hasattr(self.data, "getlist") and len(self.data.getlist(name)) > 1:
                self.add_error(name, f"Question {field.number} takes one answer.")
        return cleaned

    def answers(self) -> dict[int, list[int]]:
        """{question id: [choice ids]} of a valid form."""
        result = {}
        for question in self.questions:
            value = self.cleaned_data[question_field_name(question)]
            values = value if isinstance(value, list) else [value]
            result[question.pk] = [int(v) for v in values]
        return result


class SelfRatingForm(forms.Form):
    remembered = forms.TypedChoiceField(
        choices=[("yes", "Still solid"), ("no", "Need a refresher")],
        coerce=lambda value: value == "yes",
        error_messages={
            "required": "Choose “Still solid” or “Need a refresher”.",
            "invalid_choice": "Choose “Still solid” or “Need a refresher”.",
        },
    )


class CalendarActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("create", "Create"), ("reset", "Reset"), ("delete", "Turn off")])
