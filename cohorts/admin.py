"""Admin for cohorts, memberships, invitations and nudges: listed and searchable for staff, who can
hide a cohort (its pages then answer 404 to everyone and its invitations stop working). The admin
shows who is in a cohort and in what role, never anyone's progress: that is for the cohort's
mentors, by the members' consent."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Prefetch

from accounts.mail import reopen
from cohorts import services, tasks
from cohorts.models import Cohort, Invite, InviteEmail, Membership, MentorDigest, Nudge
from roadmap.markdown import render_markdown


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "joined_at", "consented_at", "nudges_opt_in"]
    readonly_fields = ["joined_at", "consented_at"]
    raw_id_fields = ["user"]
    show_change_link = True


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner_name", "people", "roadmap", "start_date", "archived_at", "hidden"]
    list_filter = ["hidden", ("archived_at", admin.EmptyFieldListFilter), "roadmap"]
    search_fields = ["name", "slug", "memberships__user__username", "memberships__user__email"]
    readonly_fields = ["description_html", "created_at", "updated_at"]
    inlines = [MembershipInline]
    actions = ["hide_cohorts", "unhide_cohorts"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "roadmap", "start_date", "description", "members_see_each_other"]}),
        ("State", {"fields": ["archived_at", "hidden", "hidden_reason", "created_at", "updated_at"]}),
        ("Rendered", {"classes": ["collapse"], "fields": ["description_html"]}),
    ]

    def get_queryset(self, request):
        owners = Membership.objects.filter(role=Membership.Role.OWNER).select_related("user")
        return (
            super()
            .get_queryset(request)
            .select_related("roadmap")
            .annotate(people_count=Count("memberships", distinct=True))
            .prefetch_related(Prefetch("memberships", queryset=owners, to_attr="owners"))
        )

    @admin.display(description="People", ordering="people_count")
    def people(self, cohort):
        return cohort.people_count

    @admin.display(description="Owner")
    def owner_name(self, cohort):
        return cohort.owners[0].user.username if cohort.owners else "-"

    def save_model(self, request, obj, form, change):
        # Staff edits go through the same rendering as the owner's (Markdown -> sanitised HTML).
        obj.description_html = render_markdown(obj.description)
        super().save_model(request, obj, form, change)

    @admin.action(description="Hide the selected cohorts")
    def hide_cohorts(self, request, queryset):
        for cohort in queryset:
            services.cohort_hide(cohort=cohort, hidden=True, reason=cohort.hidden_reason or "Hidden by the moderators.")
        messages.success(request, f"Hid {len(queryset)} cohort(s).")

    @admin.action(description="Show the selected cohorts again")
    def unhide_cohorts(self, request, queryset):
        for cohort in queryset:
            services.cohort_hide(cohort=cohort, hidden=False)
        messages.success(request, f"Unhid {len(queryset)} cohort(s).")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "cohort", "role", "joined_at", "nudges_opt_in"]
    list_filter = ["role", "nudges_opt_in"]
    search_fields = ["user__username", "user__email", "cohort__name", "cohort__slug"]
    list_select_related = ["user", "cohort"]
    raw_id_fields = ["user", "cohort"]
    readonly_fields = ["joined_at", "consented_at"]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["cohort", "kind", "email", "status", "created_by", "expires_at", "revoked_at", "uses", "sends"]
    list_filter = ["kind", "status", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "cohort__name", "cohort__slug", "created_by__username"]
    list_select_related = ["cohort", "created_by"]
    raw_id_fields = ["cohort", "created_by"]
    # The token is the invitation's credential: staff see that there is one, not what it is.
    exclude = ["token"]
    readonly_fields = ["created_at", "answered_at", "uses", "sends", "last_sent_at"]


@admin.register(Nudge)
class NudgeAdmin(admin.ModelAdmin):
    list_display = ["cohort", "sender", "recipient", "status", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["cohort__name", "sender__username", "recipient__username", "message"]
    list_select_related = ["cohort", "sender", "recipient"]
    raw_id_fields = ["cohort", "sender", "recipient"]
    readonly_fields = ["status", "attempts", "claimed_at", "created_at", "sent_at", "error"]


class _DeliveryAdmin(admin.ModelAdmin):
    """The cohort's emails as staff look after them: status and error, and "Send again" for those
    that failed or whose fate is unknown (accounts.mail.reopen, then a new delivery task)."""

    list_filter = ["status"]
    readonly_fields = ["status", "attempts", "claimed_at", "sent_at", "error", "created_at", "updated_at"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def queue(self, ids):
        raise NotImplementedError

    @admin.action(description="Send again now (emails that failed or whose fate is unknown)")
    def send_again(self, request, queryset):
        ids = reopen(queryset)
        if not ids:
            self.message_user(
                request, "Only emails that failed or whose fate is unknown can be sent again.", messages.WARNING
            )
            return
        transaction.on_commit(lambda: self.queue(ids))
        self.message_user(request, f"{len(ids)} email(s) being sent again.", messages.SUCCESS)


@admin.register(InviteEmail)
class InviteEmailAdmin(_DeliveryAdmin):
    list_display = ["invite", "number", "status", "attempts", "sent_at", "error"]
    search_fields = ["invite__email", "invite__cohort__name", "invite__cohort__slug"]
    list_select_related = ["invite__cohort"]
    raw_id_fields = ["invite"]

    def queue(self, ids):
        for pk in ids:
            tasks.send_invite_email.delay(invite_email_id=pk)


@admin.register(MentorDigest)
class MentorDigestAdmin(_DeliveryAdmin):
    list_display = ["cohort", "mentor", "period", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "period"]
    search_fields = ["cohort__name", "cohort__slug", "mentor__username", "mentor__email"]
    list_select_related = ["cohort", "mentor"]
    raw_id_fields = ["cohort", "mentor"]

    def queue(self, ids):
        cohorts = set(MentorDigest.objects.filter(pk__in=ids).values_list("cohort_id", "period"))
        for cohort_id, period in cohorts:
            tasks.send_cohort_digests.delay(cohort_id=cohort_id, period=period)
