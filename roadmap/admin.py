"""Admin for editors: every create, change and delete of content lands in the roadmap's changelog."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from roadmap.link_admin import CHECK_DETAILS, LinkCheckAdmin, LinkStateFilter
from roadmap.models import (
    Choice,
    CodeExample,
    Phase,
    ProjectIdea,
    Question,
    Release,
    Resource,
    Roadmap,
    RoadmapChange,
    Step,
    StepTool,
    Tool,
    Topic,
    TopicProgress,
)
from roadmap.services import describe_field_changes, record_change, release_publish


def _roadmap_of(obj):
    if isinstance(obj, Roadmap):
        return obj
    if hasattr(obj, "roadmap_id"):
        return obj.roadmap
    if isinstance(obj, Choice):
        return obj.question.step.roadmap
    return obj.step.roadmap


def _form_changes(form):
    names = [n for n in form.changed_data if n in form.cleaned_data]
    old = {n: form.initial.get(n) for n in names}
    new = {n: form.cleaned_data.get(n) for n in names}
    for n in names:
        # Show related objects by name on both sides, not a primary key on one and a name on the other.
        field = form.fields[n]
        if hasattr(field, "queryset") and old[n] is not None and not isinstance(old[n], list | tuple):
            old[n] = field.queryset.model._default_manager.filter(pk=old[n]).first()
        if hasattr(field, "queryset") and isinstance(old[n], list | tuple):
            old[n] = [str(o) for o in old[n]]
            new[n] = [str(o) for o in new[n] or []]
    return [c for c in describe_field_changes(old, new) if c["old"] != c["new"]] or [
        {"field": n, "old": "", "new": ""} for n in names
    ]


class ChangeLoggingAdmin(admin.ModelAdmin):
    """Records a RoadmapChange for every create, change and delete made through the admin, including
    the inline objects edited on the same page."""

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        fields = _form_changes(form) if change else []
        super().save_model(request, obj, form, change)
        if not change or fields:
            record_change(
                roadmap=_roadmap_of(obj),
                obj=obj,
                action=RoadmapChange.Action.CHANGED if change else RoadmapChange.Action.CREATED,
                fields=fields,
                actor=request.user,
            )

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        changes = {id(f.instance): _form_changes(f) for f in formset.forms if f.has_changed()}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_change(roadmap=_roadmap_of(obj), obj=obj, action=RoadmapChange.Action.DELETED, actor=request.user)
            obj.delete()
        created = {id(o) for o in formset.new_objects}
        for obj in instances:
            obj.save()
            record_change(
                roadmap=_roadmap_of(obj),
                obj=obj,
                action=RoadmapChange.Action.CREATED if id(obj) in created else RoadmapChange.Action.CHANGED,
                fields=[] if id(obj) in created else changes.get(id(obj), []),
                actor=request.user,
            )
        formset.save_m2m()

    @transaction.atomic
    def delete_model(self, request, obj):
        record_change(roadmap=_roadmap_of(obj), obj=obj, action=RoadmapChange.Action.DELETED, actor=request.user)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["order", "title", "slug", "start_month", "end_month", "focus"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Roadmap)
class RoadmapAdmin(ChangeLoggingAdmin):
    list_display = ["title", "slug", "version", "last_updated", "published"]
    list_filter = ["published"]
    search_fields = ["title", "tagline"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PhaseInline]


@admin.register(Phase)
class PhaseAdmin(ChangeLoggingAdmin):
    list_display = ["title", "roadmap", "order", "start_month", "end_month"]
    list_editable = ["order"]
    list_filter = ["roadmap"]
    list_select_related = ["roadmap"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["roadmap", "order"]


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 1
    fields = ["order", "group", "title", "slug", "hours", "description"]
    prepopulated_fields = {"slug": ["title"]}


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 1
    fields = ["order", "title", "slug", "url", "kind", "description"]
    prepopulated_fields = {"slug": ["title"]}


class CodeExampleInline(admin.StackedInline):
    model = CodeExample
    extra = 0
    fields = ["order", "title", "language", "code"]


class QuestionInline(admin.StackedInline):
    """The step's self-check questions; their choices are edited on each question's own page."""

    model = Question
    extra = 0
    fields = ["order", "slug", "text", "topic", "explanation"]
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "topic":
            step_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Topic.objects.filter(step_id=step_id) if step_id else Topic.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChoiceFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if len(kept) < 2:
            raise ValidationError("A question needs at least two choices.")
        if not any(f.cleaned_data.get("correct") for f in kept):
            raise ValidationError("Mark at least one choice as correct: otherwise nobody can answer it right.")


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 2
    fields = ["order", "text", "correct"]


class StepToolInline(admin.TabularInline):
    model = StepTool
    extra = 1
    autocomplete_fields = ["tool"]
    verbose_name = "tool"


@admin.register(Step)
class StepAdmin(ChangeLoggingAdmin):
    list_display = ["number", "title", "phase", "optional", "roadmap"]
    list_display_links = ["title"]
    list_editable = ["number"]
    list_filter = ["roadmap", "phase", "optional"]
    list_select_related = ["phase", "roadmap"]
    search_fields = ["title", "why", "body", "topics__title"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["roadmap", "number"]
    inlines = [TopicInline, ResourceInline, StepToolInline, CodeExampleInline, QuestionInline]


@admin.register(Topic)
class TopicAdmin(ChangeLoggingAdmin):
    list_display = ["title", "group", "step", "order", "hours"]
    list_filter = ["step__roadmap", "step"]
    list_select_related = ["step"]
    search_fields = ["title", "group", "description"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Question)
class QuestionAdmin(ChangeLoggingAdmin):
    """A self-check question with its choices: at least one must be marked correct."""

    list_display = ["__str__", "step", "topic", "order"]
    list_filter = ["step__roadmap", "step"]
    list_select_related = ["step", "topic"]
    search_fields = ["text", "explanation", "choices__text"]
    fields = ["step", "order", "slug", "text", "topic", "explanation"]
    autocomplete_fields = ["topic"]
    inlines = [ChoiceInline]


@admin.register(Tool)
class ToolAdmin(LinkCheckAdmin, ChangeLoggingAdmin):
    list_display = ["name", "category", "essential", "retired", "order", "link", "last_verified"]
    list_editable = ["essential", "retired", "order"]
    list_filter = [LinkStateFilter, "roadmap", "category", "essential", "retired"]
    search_fields = ["name", "category", "description", "url"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (
            None,
            {"fields": ["roadmap", "order", "name", "slug", "category", "essential", "retired", "url", "description"]},
        ),
        ("Last link check", {"fields": CHECK_DETAILS}),
    ]


@admin.register(Resource)
class ResourceAdmin(LinkCheckAdmin, ChangeLoggingAdmin):
    list_display = ["title", "step_number", "link", "last_verified", "address"]
    list_filter = [LinkStateFilter, "kind", "step__roadmap", "step"]
    list_select_related = ["step"]
    search_fields = ["title", "url", "description"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["step", "order", "title", "slug", "url", "kind", "description"]}),
        ("Last link check", {"fields": CHECK_DETAILS}),
    ]

    @admin.display(description="Step", ordering="step__number")
    def step_number(self, obj):
        return format_html('<span title="{}">{}</span>', obj.step.title, obj.step.number)


@admin.register(ProjectIdea)
class ProjectIdeaAdmin(ChangeLoggingAdmin):
    list_display = ["title", "tier", "category", "order"]
    list_editable = ["order"]
    list_filter = ["roadmap", "tier", "category"]
    search_fields = ["title", "category", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["steps"]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Publishing a release sets the roadmap's version and lands in the changelog."""

    list_display = ["roadmap", "version", "published_at", "published_by"]
    list_filter = ["roadmap"]
    list_select_related = ["roadmap", "published_by"]
    search_fields = ["version", "notes"]
    fields = ["roadmap", "version", "notes"]
    readonly_fields = ["published_at", "published_by"]

    def get_readonly_fields(self, request, obj=None):
        # A published release is history: its roadmap and version no longer change.
        return ["roadmap", "version", "published_at", "published_by"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        release = release_publish(roadmap=obj.roadmap, version=obj.version, notes=obj.notes, actor=request.user)
        obj.pk = release.pk
        obj.published_at = release.published_at


@admin.register(RoadmapChange)
class RoadmapChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "object_type", "object_repr", "actor_name"]
    list_filter = ["action", "object_type", "roadmap"]
    search_fields = ["object_repr", "actor_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TopicProgress)
class TopicProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "status", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["user", "topic"]
    search_fields = ["user__username", "topic__title"]
    raw_id_fields = ["user", "topic"]
    readonly_fields = ["note_html", "started_at", "completed_at"]
