"""Forms of the cohort pages. They parse and bound input; the rules (one open invitation per
address, consent, rate limits) live in cohorts.services, whose errors the views attach back here."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from cohorts.invitations import INVITE_DAYS_DEFAULT, INVITE_DAYS_MAX
from cohorts.models import DESCRIPTION_MAX, NAME_MAX, NUDGE_MAX
from roadmap.models import Roadmap

# A cohort's start date: a year back at most (a cohort already running) and two years ahead.
START_PAST_DAYS = 366
START_FUTURE_DAYS = 731


class CohortForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, help_text="For example 'Spring 2026 study group' or 'ML club'.")
    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the group is about, when you meet. Markdown works. Members see it.",
    )
    roadmap = forms.ModelChoiceField(queryset=Roadmap.objects.none(), empty_label=None)
    start_date = forms.DateField(
        label="Cohort start date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Month 1 of the plan for the cohort. Members choose whether to align their own plan to it.",
    )
    members_see_each_other = forms.BooleanField(
        label="Members see each other",
        required=False,
        initial=True,
        help_text="Members see who else is in the cohort with each one's overall progress and plan status. "
        "Off: each member sees only their own place against the cohort's average. Mentors always see everyone.",
    )

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roadmap"].queryset = Roadmap.objects.published().order_by("title")
        if editing:
            # The roadmap is what the cohort's progress is measured on: it does not change afterwards.
            del self.fields["roadmap"]

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        today = timezone.localdate()
        if value < today - timedelta(days=START_PAST_DAYS):
            raise forms.ValidationError("Choose a start date within the last year.")
        if value > today + timedelta(days=START_FUTURE_DAYS):
            raise forms.ValidationError("Choose a start date within the next two years.")
        return value


class JoinForm(forms.Form):
    consent = forms.BooleanField(
        label="I agree to share this with the cohort's mentors",
        error_messages={"required": "Tick the box to agree to share this with the cohort's mentors."},
    )
    plan = forms.ChoiceField(
        label="Your 12-month plan",
        choices=[("keep", "Keep my own start date"), ("align", "Align my plan to the cohort's start date")],
        initial="keep",
        widget=forms.RadioSelect,
    )


class InviteEmailForm(forms.Form):
    email = forms.EmailField(label="Email address", help_text="We send one invitation; you can send it again twice.")
    days = forms.TypedChoiceField(
        label="Valid for",
        coerce=int,
        choices=[(7, "7 days"), (14, "14 days"), (30, "30 days")],
        initial=INVITE_DAYS_DEFAULT,
    )


class InviteLinkForm(forms.Form):
    days = forms.TypedChoiceField(
        label="Link valid for",
        coerce=int,
        choices=[(1, "1 day"), (7, "7 days"), (14, "14 days"), (30, "30 days"), (INVITE_DAYS_MAX, "90 days")],
        initial=INVITE_DAYS_DEFAULT,
    )


class NudgeForm(forms.Form):
    message = forms.CharField(
        max_length=NUDGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NUDGE_MAX}),
        help_text=f"A short, kind note (at most {NUDGE_MAX} characters). Sent by email; members can turn these off.",
    )
    to = forms.CharField(widget=forms.HiddenInput)


class ConfirmNameForm(forms.Form):
    """Deleting a cohort: type its name to confirm."""

    confirm = forms.CharField(label="Type the cohort's name to confirm")

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_confirm(self):
        value = " ".join(self.cleaned_data["confirm"].split())
        if value.casefold() != self.expected.casefold():
            raise forms.ValidationError("That is not the cohort's name.")
        return value
