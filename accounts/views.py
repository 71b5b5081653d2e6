"""The signed-in learner's pages: the dashboard, the settings page, the data export and account
deletion."""

from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts import services
from accounts.forms import DeleteAccountForm, SettingsForm, TimezoneForm
from accounts.models import User
from config.cache import ROADMAP_SCOPE, cached_value, user_scope
from config.views import error_page
from roadmap import selectors


@login_required
def dashboard(request):
    """The learner's dashboard: progress, plan against actual, what to learn next, activity and the
    success metrics. Its body is cached per learner and day of theirs until the roadmap or anything
    of theirs changes: every write to a learner's rows bumps their scope (accounts/portfolio/roadmap
    signals.py), so the key names no fields."""
    user = request.user
    # The footer's summary of the site's roadmap (cached); the roadmap itself is read only to make
    # the body.
    summary = selectors.site_roadmap_summary()
    context = {"site_credit": summary, "has_roadmap": summary is not None}
    if summary is not None:
        today = user.today()
        context["body"] = cached_value(
            [ROADMAP_SCOPE, user_scope(user.username)],
            f"dashboard:{user.pk}:{summary['pk']}:{today.isoformat()}",
            lambda: render_to_string(
                "accounts/_dashboard_body.html",
                {"user": user, **account_selectors.dashboard(user, selectors.default_roadmap(), today=today)},
            ),
        )
    return render(request, "accounts/dashboard.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
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
