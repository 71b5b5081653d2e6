from allauth.account.models import EmailAddress
from csp.decorators import csp_exempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import Truncator

from accounts.forms import AdminPasswordChangeForm, AdminUserChangeForm, AdminUserCreationForm
from accounts.mail import reopen
from accounts.models import ApiToken, ReminderDelivery, User
from accounts.reminders import build_reminder_message, parse_period
from accounts.tasks import send_reminder


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    change_password_form = AdminPasswordChangeForm
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "usable_password", "password1", "password2"]})
    ]
    list_display = [
        "username",
        "email",
        "email_verified",
        "display_name",
        "reminders_opt_in",
        "portfolio_public",
        "page_hidden",
        "is_staff",
        "date_joined",
        "last_login",
    ]
    list_filter = [*BaseUserAdmin.list_filter, "portfolio_public", "page_hidden", "reminders_opt_in"]
    search_fields = ["username", "email", "display_name", "github_username"]

    def get_queryset(self, request):
        # One query for the list, whether each user's address is verified included.
        verified = EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True)
        return super().get_queryset(request).annotate(has_verified_email=Exists(verified))

    @admin.display(description="verified", boolean=True, ordering="has_verified_email")
    def email_verified(self, user):
        """Whether the address can sign in: allauth asks every account, a superuser's too, to verify it."""
        return user.has_verified_email

    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            "Profile",
            {
                "fields": [
                    "display_name",
                    "headline",
                    "bio",
                    "location",
                    "github_username",
                    "linkedin_url",
                    "website_url",
                    "timezone",
                ]
            },
        ),
        ("Plan and reminders", {"fields": ["plan_start_date", "hours_per_week", "reminders_opt_in"]}),
        ("Public page", {"fields": ["portfolio_public", "show_progress", "page_hidden", "page_hidden_reason"]}),
    ]


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    """Monthly reminder deliveries: read-only records, an action to send again those that failed or
    whose fate is unknown (staff decide), and a preview of any user's email as it would be sent now
    (the preview views below)."""

    list_display = ["user", "period", "status", "attempts", "sent_at", "short_error", "preview_link"]
    list_filter = ["status", "period"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = [
        "user",
        "period",
        "status",
        "attempts",
        "claimed_at",
        "sent_at",
        "error",
        "created_at",
        "updated_at",
    ]
    actions = ["send_again", "preview_email"]
    change_list_template = "reminders/admin/change_list.html"

    def has_add_permission(self, request):
        return False

    @admin.display(description="error")
    def short_error(self, obj):
        return Truncator(obj.error).chars(60)

    @admin.display(description="email")
    def preview_link(self, obj):
        return format_html(
            '<a href="{}">Preview</a>', reverse("admin:accounts_reminderdelivery_preview", args=[obj.user_id])
        )

    @admin.action(description="Send again now (deliveries that failed or whose fate is unknown)")
    def send_again(self, request, queryset):
        ids = reopen(queryset)
        if not ids:
            self.message_user(
                request, "Only deliveries that failed or whose fate is unknown can be sent again.", messages.WARNING
            )
            return
        for user_id, period in ReminderDelivery.objects.filter(pk__in=ids).values_list("user_id", "period"):
            transaction.on_commit(lambda u=user_id, p=period: send_reminder.delay(user_id=u, period=p))
        emails = "1 email is" if len(ids) == 1 else f"{len(ids)} emails are"
        self.message_user(
            request,
            f"{emails} being sent again. A learner whose first copy did arrive gets it twice.",
            messages.SUCCESS,
        )

    @admin.action(description="Preview the email of the selected delivery's user")
    def preview_email(self, request, queryset):
        delivery = queryset.first()
        return redirect("admin:accounts_reminderdelivery_preview", delivery.user_id)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_lookup), name="accounts_reminderdelivery_preview_lookup"),
            path("preview/<int:user_id>/", view(self.preview), name="accounts_reminderdelivery_preview"),
            path("preview/<int:user_id>/html/", view(self.preview_html), name="accounts_reminderdelivery_preview_html"),
            *super().get_urls(),
        ]

    def _message(self, request, user_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        user = get_object_or_404(User, pk=user_id)
        try:
            period = parse_period(request.GET.get("period"))
        except ValueError:
            period = parse_period(None)
        return user, period, build_reminder_message(user, period=period)

    def preview_lookup(self, request):
        """Find a user by username or email (?q=) and show their email."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()
        user = User.objects.filter(Q(username__iexact=query) | Q(email__iexact=query)).first() if query else None
        if user is not None:
            return redirect("admin:accounts_reminderdelivery_preview", user.pk)
        if query:
            self.message_user(request, f"No user {query!r}.", level=messages.WARNING)
        return redirect("admin:accounts_reminderdelivery_changelist")

    def preview(self, request, user_id):
        user, period, message = self._message(request, user_id)
        mime = message.message()
        headers = [
            (name, mime[name]) for name in ("From", "To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Monthly reminder for {user.username} ({period})",
            "target": user,
            "period": period,
            "subject": message.subject,
            "headers": headers,
            "text": message.body,
            "deliveries": user.reminder_deliveries.order_by("-period")[:12],
        }
        return TemplateResponse(request, "reminders/admin/preview.html", context)

    @method_decorator(csp_exempt())
    def preview_html(self, request, user_id):
        """The HTML part alone, framed by the preview page. Email HTML needs inline styles, so this one
        response gets its own policy: styles and images, no script, framed by this site only."""
        _user, _period, message = self._message(request, user_id)
        response = HttpResponse(message.alternatives[0][0])
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
            "frame-ancestors 'self'; base-uri 'none'"
        )
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at"]
    search_fields = ["user__username", "name", "prefix"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        # A key is shown once to its owner; tokens are made in Settings or with create_api_token.
        return False

    def has_change_permission(self, request, obj=None):
        # Staff can see and revoke (delete) a token, not edit it.
        return False
