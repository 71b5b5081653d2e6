"""The admin's view of link checks, shared by resources and tools: the state column, a filter by
state, the last check's details, and "use the new URL" for moved links."""

from django.contrib import admin, messages
from django.template.defaultfilters import pluralize
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from roadmap.link_fields import LinkState
from roadmap.link_services import link_use_moved_url

# The last check's details, read-only, on a row's own page.
CHECK_DETAILS = [
    "link",
    "checked_at",
    "check_status",
    "check_error",
    "final_url",
    "moved_to",
    "redirect_chain",
    "failures",
    "first_failed_at",
    "verified_at",
]


def short_url(url: str) -> str:
    """An address without its scheme, cut to fit a list column (the link keeps it whole)."""
    return Truncator(url.split("://", 1)[-1]).chars(32)


class LinkStateFilter(admin.SimpleListFilter):
    """The state of each row's current address (an address edited since its check is "not checked
    yet")."""

    title = "link state"
    parameter_name = "link_state"

    def lookups(self, request, model_admin):
        return LinkState.choices

    def queryset(self, request, queryset):
        if self.value() in LinkState.values:
            return queryset.in_link_state(self.value())
        return queryset


class LinkCheckAdmin(admin.ModelAdmin):
    """For a ModelAdmin of a LinkChecked model: put "link" and "last_verified" in list_display,
    LinkStateFilter in list_filter, and CHECK_DETAILS in a fieldset."""

    actions = ["use_new_url"]
    readonly_fields = CHECK_DETAILS

    class Media:
        css = {"all": ["css/admin-links.css"]}

    @admin.display(description="Link", ordering="link_state")
    def link(self, obj):
        if not obj.url:
            return "no address"
        state = obj.current_link_state
        label = LinkState(state).label
        if state == LinkState.MOVED:
            detail = format_html(
                'to <a href="{}" title="{}">{}</a>', obj.moved_to, obj.moved_to, short_url(obj.moved_to)
            )
        elif state in (LinkState.BROKEN, LinkState.FAILING):
            detail = obj.check_error or f"HTTP {obj.check_status}"
            if obj.first_failed_at:
                detail = format_html("{}, failing since {}", detail, date_format(obj.first_failed_at, "j M Y"))
        elif obj.checked_url and obj.checked_url != obj.url:
            detail = "address changed since the last check"
        else:
            detail = ""
        return format_html(
            '<span class="link-state link-{}">{}</span> <span class="link-detail">{}</span>', state, label, detail
        )

    @admin.display(description="URL", ordering="url")
    def address(self, obj):
        if not obj.url:
            return ""
        return format_html('<a href="{}" title="{}" rel="noopener">{}</a>', obj.url, obj.url, short_url(obj.url))

    @admin.display(description="Last verified", ordering="verified_at")
    def last_verified(self, obj):
        if obj.verified_at is None or obj.checked_url != obj.url:
            return "never"
        return date_format(obj.verified_at, "j M Y")

    @admin.display(description="Redirects followed")
    def redirect_chain(self, obj):
        if not obj.redirects:
            return "none"
        return format_html_join(mark_safe("<br>"), "{} &rarr; {}", ((status, url) for status, url in obj.redirects))

    @admin.action(description="Use the new URL of the selected moved links", permissions=["change"])
    def use_new_url(self, request, queryset):
        changed, skipped = 0, 0
        # Each change lands in its roadmap's changelog.
        for item in queryset.select_related(queryset.model.ROADMAP_PATH):
            if link_use_moved_url(item=item, actor=request.user):
                changed += 1
            else:
                skipped += 1
        if changed:
            links = f"{changed} link{pluralize(changed)}"
            self.message_user(request, f"{links} now use the new URL; the changelog records it.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} of the selected links had not moved, or their new URL is longer than 200 "
                "characters: left unchanged.",
                messages.WARNING,
            )
