"""Settings pages for personal API tokens: list, create (the key is shown once) and revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.token_services import NAME_MAX_LENGTH, api_token_create, api_token_revoke, api_tokens_for


def _back(request):
    """Where to go after a change: the settings page the form was on, else the tokens page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("api_tokens")


def _tokens_page(request, *, errors=(), name="", status=200):
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "api_tokens": api_tokens_for(request.user),
            "api_token_errors": errors,
            "api_token_name": name,
            "api_token_name_max": NAME_MAX_LENGTH,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """GET: the user's tokens and the form for a new one. POST: create one and show its key once."""
    if request.method == "GET":
        return _tokens_page(request)
    name = request.POST.get("name", "")
    try:
        token, key = api_token_create(user=request.user, name=name)
    except ValidationError as error:
        return _tokens_page(request, errors=error.messages, name=name[:NAME_MAX_LENGTH], status=400)
    response = render(request, "accounts/api_token_created.html", {"token": token, "key": key})
    # The key must not stay in any cache, nor come back with the browser's "back" button.
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@login_required
@require_POST
def api_token_revoke_view(request, token_id):
    if api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "The token was revoked: requests that use it are refused from now on.")
    else:
        messages.error(request, "That token does not exist (it may have been revoked already).")
    return _back(request)
