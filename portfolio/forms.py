"""Forms of the portfolio pages. They parse and bound input; the rules about projects (publishing
needs an overview, unique slugs, ...) live in the model and services, whose errors the views attach
back to these forms."""

from django import forms

from portfolio import models as m
from portfolio.models import TECH_CATEGORIES, Project, Report, http_url_validator
from roadmap.models import Step


def tech_field_name(key: str) -> str:
    return f"tech_{key}"


class ProjectForm(forms.Form):
    """The showcase template's fields, in its order, then the extras (tier, skills, dates, visibility)."""

    title = forms.CharField(max_length=m.TITLE_MAX)
    overview = forms.CharField(
        label="Problem and solution",
        required=False,
        max_length=m.OVERVIEW_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "data-preview": "overview"}),
        help_text="The problem and your solution, so that a non-specialist can follow. Markdown works.",
    )
    deployment = forms.CharField(
        label="Deployment details",
        required=False,
        max_length=m.DEPLOYMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "data-preview": "deployment"}),
        help_text="Where and how it runs (for example Docker on AWS ECS, Hugging Face Spaces). Markdown works.",
    )
    live_demo_url = forms.URLField(
        label="Live demo URL",
        required=False,
        max_length=m.URL_MAX,
        assume_scheme="https",
        validators=[http_url_validator],
        error_messages={"invalid": http_url_validator.message},
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    repository_url = forms.URLField(
        label="Code repository URL",
        required=False,
        max_length=m.URL_MAX,
        assume_scheme="https",
        validators=[http_url_validator],
        error_messages={"invalid": http_url_validator.message},
        widget=forms.URLInput(attrs={"placeholder": "https://github.com/you/project"}),
    )
    tier = forms.ChoiceField(choices=Project.Tier.choices)
    skills = forms.ModelMultipleChoiceField(
        label="Roadmap skills it demonstrates",
        queryset=Step.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    started_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    finished_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    visibility = forms.ChoiceField(
        choices=Project.Visibility.choices,
        widget=forms.RadioSelect,
        initial=Project.Visibility.DRAFT,
        help_text="Unlisted pages are not on your page, not in search engines and not in the sitemap.",
    )
    slug = forms.SlugField(
        label="Address",
        required=False,
        max_length=m.SLUG_MAX,
        help_text="The last part of the project's link. Leave empty to make one from the title.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in TECH_CATEGORIES:
            self.fields[tech_field_name(key)] = forms.CharField(
                label=label,
                required=False,
                max_length=m.TAGS_PER_CATEGORY_MAX * (m.TAG_MAX + 2),
                widget=forms.TextInput(attrs={"list": "tech-tools", "autocomplete": "off", "data-tags": key}),
            )
        self.fields["skills"].queryset = (
            Step.objects.filter(roadmap__published=True).select_related("phase").order_by("roadmap_id", "number")
        )

    def tech_fields(self):
        return [self[tech_field_name(key)] for key, _label in TECH_CATEGORIES]

    def clean(self):
        data = super().clean()
        stack = {}
        for key, label in TECH_CATEGORIES:
            raw = data.get(tech_field_name(key), "") or ""
            tags = [t.strip() for t in raw.split(",") if t.strip()]
            if len(tags) > m.TAGS_PER_CATEGORY_MAX:
                self.add_error(tech_field_name(key), f"At most {m.TAGS_PER_CATEGORY_MAX} tags in {label}.")
            long = [t for t in tags if len(t) > m.TAG_MAX]
            if long:
                self.add_error(tech_field_name(key), f"Each tag can have at most {m.TAG_MAX} characters.")
            if tags:
                stack[key] = tags
        data["tech_stack"] = stack
        started, finished = data.get("started_on"), data.get("finished_on")
        if started and finished and finished < started:
            self.add_error("finished_on", "The finish date cannot be before the start date.")
        return data

    @staticmethod
    def initial_for(project: Project) -> dict:
        initial = {
            "title": project.title,
            "overview": project.overview,
            "deployment": project.deployment,
            "live_demo_url": project.live_demo_url,
            "repository_url": project.repository_url,
            "tier": project.tier,
            "skills": list(project.skills.all()),
            "started_on": project.started_on,
            "finished_on": project.finished_on,
            "visibility": project.visibility,
            "slug": project.slug,
        }
        for key, _label in TECH_CATEGORIES:
            initial[tech_field_name(key)] = ", ".join(project.tech_stack.get(key, []))
        return initial


class FeatureForm(forms.Form):
    text = forms.CharField(label="Feature", required=False, max_length=m.FEATURE_TEXT_MAX)
    metric = forms.CharField(
        label="Metric",
        required=False,
        max_length=m.FEATURE_METRIC_MAX,
        widget=forms.TextInput(attrs={"placeholder": "e.g. F1 0.91 on held-out set"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("metric") and not data.get("text"):
            self.add_error("text", "Describe the feature this metric belongs to.")
        return data


class ResultForm(forms.Form):
    metric = forms.CharField(label="Metric", required=False, max_length=m.RESULT_CELL_MAX)
    baseline = forms.CharField(label="Baseline", required=False, max_length=m.RESULT_CELL_MAX)
    final = forms.CharField(label="Final", required=False, max_length=m.RESULT_CELL_MAX)

    def clean(self):
        data = super().clean()
        if (data.get("baseline") or data.get("final")) and not data.get("metric"):
            self.add_error("metric", "Name the metric of this row.")
        return data


FeatureFormSet = forms.formset_factory(
    FeatureForm, extra=3, max_num=m.FEATURES_MAX, absolute_max=m.FEATURES_MAX, validate_max=True
)
ResultFormSet = forms.formset_factory(
    ResultForm, extra=2, max_num=m.RESULTS_MAX, absolute_max=m.RESULTS_MAX, validate_max=True
)


def rows_from(formset, keys) -> list[dict]:
    """The non-empty rows of a valid formset, as the model's JSON rows."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        row = {k: (data.get(k) or "").strip() for k in keys}
        if any(row.values()):
            rows.append(row)
    return rows


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect, label="What is wrong?")
    message = forms.CharField(
        label="Details",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What should the moderators look at? (optional, at most 2000 characters)",
    )
    email = forms.EmailField(
        label="Your email",
        required=False,
        help_text="Optional: only if you want us to be able to reply.",
    )
