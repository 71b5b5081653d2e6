from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiToken, ReminderDelivery, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "display_name", "portfolio_public", "page_hidden", "is_staff", "date_joined"]
    list_filter = [*BaseUserAdmin.list_filter, "portfolio_public", "page_hidden", "reminders_opt_in"]
    search_fields = ["username", "email", "display_name"]
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
    list_display = ["user", "period", "status", "attempts", "sent_at"]
    list_filter = ["status", "period"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at"]
    search_fields = ["user__username", "name", "prefix"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
