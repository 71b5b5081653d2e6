"""The signed-in learner's pages: the dashboard, the settings page, the data export and account
deletion."""

import hashlib
import uuid

from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts import services
from accounts.forms import DeleteAccountForm, SettingsForm, TimezoneForm
from accounts.models import User
from config.cache import ROADMAP_SCOPE, cached_for_versions, dashboard_scope, user_scope
from config.views import error_page
from roadmap import selectors


@login_required
def dashboard(request):
    """The learner's dashboard. The whole page is cached per learner and day of theirs, until their
    progress, their public data or the roadmap changes (see _dashboard_key); a hit renders only what
    differs between requests -- the flash messages, the "how long ago" of recent completions -- and
    puts this request's CSRF token in the page."""
    user = request.user
    roadmap = selectors.default_roadmap()
    if roadmap is None:
        messages_html = render_to_string("includes/_messages.html", {"messages": get_messages(request)})
        return render(request, "accounts/dashboard.html", {"roadmap": None, "messages_slot": messages_html})
    today = selectors.user_today(user)
    page = cached_for_versions(
        [ROADMAP_SCOPE, user_scope(user.username), dashboard_scope(user.pk)],
        _dashboard_key(user, roadmap, today),
        lambda: _dashboard_page(request, roadmap, today),
    )
    pending = get_messages(request)
    slots = {
        page["csrf_slot"]: get_token(request),
        page["messages_slot"]: render_to_string("includes/_messages.html", {"messages": pending}) if pending else "",
        page["recent_slot"]: render_to_string("accounts/_dashboard_recent.html", {"recent": page["recent"]}),
    }
    html = page["html"]
    for slot, value in slots.items():
        # The CSRF token appears in every form of the page; the other slots once.
        html = html.replace(slot, value, -1 if slot == page["csrf_slot"] else 1)
    return HttpResponse(html)


def _dashboard_key(user, roadmap, today) -> str:
    """Whose dashboard, of which roadmap, on which day of theirs, with which of their settings that it
    shows (settings_update bumps only for fields on the public page)."""
    github = user.github_username or account_selectors.has_github_account(user)
    settings_shown = (user.username, user.name, user.timezone, user.plan_start.isoformat(), github, user.is_staff)
    digest = hashlib.sha256(repr(settings_shown).encode()).hexdigest()[:16]
    return f"dashboard:2:{user.pk}:{roadmap.pk}:{today.isoformat()}:{digest}"


def _dashboard_page(request, roadmap, today) -> dict:
    """The dashboard page rendered whole, with slots (random markers) where each request puts its own
    CSRF token, flash messages and recent completions."""
    parts = _dashboard_parts(request.user, roadmap, today)
    marker = uuid.uuid4().hex
    slots = {name: mark_safe(f"<!--{name}-{marker}-->") for name in ("messages_slot", "recent_slot")}
    slots["csrf_slot"] = f"csrf{marker}"
    context = {"roadmap": roadmap, "parts": parts, "csrf_token": slots["csrf_slot"], **slots}
    # Rendered without the request's messages (a slot holds them); the request is there for the rest
    # of the page (the user, the site's settings).
    html = render_to_string("accounts/dashboard.html", {**context, "messages": ()}, request=request)
    return {"html": html, "recent": parts["recent"], **slots}


def _dashboard_parts(user, roadmap, today) -> dict:
    """The dashboard rendered in parts, to be cached: everything but the "how long ago" of the recent
    completions, which ages by the minute."""
    context = {"user": user, **account_selectors.dashboard(user, roadmap, today=today)}
    return {
        "top": render_to_string("accounts/_dashboard_top.html", context),
        "next": render_to_string("accounts/_dashboard_next.html", context),
        "details": render_to_string("accounts/_dashboard_details.html", context),
        "last_30_days": context["activity"]["last_30_days"],
        "active_days": context["activity"]["active_days"],
        "recent": [
            {
                "url": f"{row.topic.step.get_absolute_url()}#topic-{row.topic.slug}",
                "title": row.topic.title,
                "status": row.get_status_display().lower(),
                "completed_at": row.completed_at,
            }
            for row in context["recent"]
        ],
    }


@login_required
def settings_page(request):
    # The form edits a copy: a rejected form must not leave its invalid values on request.user (the
    # page header shows the username).
    copy = User.objects.get(pk=request.user.pk)
    form = SettingsForm(request.POST or None, instance=copy)
    if request.method == "POST":
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            changed = services.settings_update(user=request.user, changes=changes)
            messages.success(request, "Your settings are saved." if changed else "Nothing changed.")
            return redirect("settings")
        messages.error(request, "Please correct the fields marked below. Nothing was saved.")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "emails": EmailAddress.objects.filter(user=request.user).order_by("-primary", "email"),
            "mfa_enabled": Authenticator.objects.filter(user=request.user).exists(),
            "social_accounts": SocialAccount.objects.filter(user=request.user).order_by("provider"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def timezone_update(request):
    """The dashboard's offer to use the browser's time zone (shown to accounts on UTC, such as those
    made with GitHub, which tells us no time zone)."""
    form = TimezoneForm(request.POST)
    if not form.is_valid():
        return error_page(request, 400, "Bad request", "That time zone is unknown. Choose yours in the settings.")
    zone = form.cleaned_data["timezone"]
    services.settings_update(user=request.user, changes={"timezone": zone})
    messages.success(request, f"Your time zone is now {zone}: your days and plan dates follow it.")
    return redirect("dashboard")


@login_required
@require_GET
def export_data(request):
    """Everything we hold about the learner, as one JSON file download."""
    data = account_selectors.user_export(request.user)
    filename = f"ai-engineer-roadmap-{request.user.username}-{timezone.localdate():%Y-%m-%d}.json"
    response = JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
@reauthentication_required
def delete_account(request):
    """Delete the account, after a fresh password (or GitHub / two-factor) check and typing the username."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=request.user)
        logout(request)
        messages.success(request, "Your account and everything in it has been deleted. Goodbye, and good luck!")
        return redirect("roadmap:home")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/delete_account.html", {"form": form}, status=status)


def too_many_requests(request, exception=None):
    """The 429 page (handler429: allauth's rate limits answer through it), in the site's design."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
