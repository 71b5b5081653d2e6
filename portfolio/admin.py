"""Admin for portfolio projects and for reports about public pages.

Staff act on a report with one action: hide the reported project, or the whole page of its owner.
The reason the owner sees is the report's reason unless staff write another on the project or user.
"""

from django.contrib import admin, messages
from django.utils.html import format_html

from portfolio import services
from portfolio.models import Project, Report


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "visibility", "hidden", "tier", "updated_at"]
    list_filter = ["visibility", "hidden", "tier"]
    search_fields = ["title", "slug", "owner__username", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner", "idea"]
    filter_horizontal = ["skills"]
    readonly_fields = [
        "overview_html",
        "deployment_html",
        "share_image_version",
        "published_at",
        "created_at",
        "updated_at",
        "public_link",
    ]
    actions = ["hide_projects", "unhide_projects"]
    fieldsets = [
        (None, {"fields": ["owner", "title", "slug", "tier", "idea", "visibility", "public_link"]}),
        ("Moderation", {"fields": ["hidden", "hidden_reason"]}),
        (
            "Showcase",
            {
                "fields": [
                    "overview",
                    "tech_stack",
                    "features",
                    "deployment",
                    "live_demo_url",
                    "repository_url",
                    "results",
                    "skills",
                ]
            },
        ),
        ("Dates", {"fields": ["started_on", "finished_on", "position", "published_at", "created_at", "updated_at"]}),
        ("Rendered", {"classes": ["collapse"], "fields": ["overview_html", "deployment_html", "share_image_version"]}),
    ]

    @admin.display(description="Page")
    def public_link(self, project):
        if not project.pk:
            return "-"
        return format_html('<a href="{}">{}</a>', project.get_absolute_url(), project.get_absolute_url())

    def save_model(self, request, obj, form, change):
        # Staff edits go through the same rendering as the learner's (Markdown -> sanitised HTML).
        from roadmap.markdown import render_markdown

        obj.overview_html = render_markdown(obj.overview)
        obj.deployment_html = render_markdown(obj.deployment)
        super().save_model(request, obj, form, change)

    @admin.action(description="Hide the selected projects")
    def hide_projects(self, request, queryset):
        for project in queryset.select_related("owner"):
            services.project_hide(project=project, reason=project.hidden_reason or "Hidden by the moderators.")
        messages.success(request, f"Hid {queryset.count()} project(s).")

    @admin.action(description="Show the selected projects again")
    def unhide_projects(self, request, queryset):
        for project in queryset.select_related("owner"):
            services.project_unhide(project=project)
        messages.success(request, f"Unhid {queryset.count()} project(s).")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "reason", "target", "status", "reporter", "short_message"]
    list_filter = ["status", "reason"]
    search_fields = ["user__username", "project__title", "message", "reporter_email"]
    list_select_related = ["user", "project", "reporter"]
    readonly_fields = [
        "user",
        "project",
        "reason",
        "message",
        "reporter",
        "reporter_email",
        "ip_hash",
        "link",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    fields = [
        "link",
        "user",
        "project",
        "reason",
        "message",
        "reporter",
        "reporter_email",
        "ip_hash",
        "status",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    actions = ["hide_project", "hide_page", "dismiss"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Reported")
    def target(self, report):
        return (
            f"{report.user.username}/{report.project.slug}" if report.project_id else f"{report.user.username} (page)"
        )

    @admin.display(description="Page")
    def link(self, report):
        return format_html('<a href="{}">{}</a>', report.url, report.url)

    @admin.display(description="Message")
    def short_message(self, report):
        return (report.message[:80] + "…") if len(report.message) > 80 else report.message

    @admin.action(description="Hide the reported project (404 for everyone but its owner and staff)")
    def hide_project(self, request, queryset):
        count = 0
        for report in queryset.select_related("project__owner"):
            if report.project is None:
                continue
            services.project_hide(project=report.project, reason=f"Reported: {report.get_reason_display()}.")
            services.report_resolve(report=report, status=Report.Status.ACTIONED, actor=request.user)
            count += 1
        messages.success(request, f"Hid {count} project(s). Reports about whole pages were left open.")

    @admin.action(description="Hide the owner's whole page (404 for everyone but the owner and staff)")
    def hide_page(self, request, queryset):
        users = {}
        for report in queryset.select_related("user"):
            users.setdefault(report.user_id, (report.user, report.get_reason_display()))
            services.report_resolve(report=report, status=Report.Status.ACTIONED, actor=request.user)
        for user, reason in users.values():
            services.portfolio_page_hide(user=user, reason=f"Reported: {reason}.")
        messages.success(request, f"Hid {len(users)} page(s).")

    @admin.action(description="Dismiss (no action needed)")
    def dismiss(self, request, queryset):
        for report in queryset:
            services.report_resolve(report=report, status=Report.Status.DISMISSED, actor=request.user)
        messages.success(request, "Dismissed.")
