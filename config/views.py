"""Project-wide views: health check, robots.txt and the error pages."""

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.middleware import RefusedInput


def _check_database():
    # Django's own probe of a connection (a trivial query on PostgreSQL), no SQL of ours.
    connection.ensure_connection()
    if not connection.is_usable():
        raise DatabaseError("the database connection does not answer")


def _check_cache():
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return the value just written")


def _check_broker():
    from config.celery import app

    with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness. 503 naming what failed when the database or the broker does not
    answer; a cache that does not answer is reported ("degraded", still 200): the site serves from the
    database without it, so a load balancer must not take every web process out for it."""
    checks = {"database": _check_database, "cache": _check_cache}
    if settings.CELERY_BROKER_URL != "memory://":
        checks["broker"] = _check_broker
    results, failed = {}, []
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 -- any failure means "not ready"; we report it
            results[name] = f"error: {exc.__class__.__name__}"
            failed.append(name)
        else:
            results[name] = "ok"
    fatal = [name for name in failed if name != "cache"]
    body = {"status": "error" if fatal else ("degraded" if failed else "ok"), "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if fatal else 200)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /api/",
        "Disallow: /dashboard/",
        "Disallow: /settings/",
        "Disallow: /portfolio/",
        "Disallow: /reminders/",
        f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def error_page(request, status, title, message):
    """An error page in the site's design (the handlers below, and views refusing bad input)."""
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )


def _is_api(request) -> bool:
    # The API's addresses answer errors in its JSON shape; its docs page is HTML.
    return request.path.startswith("/api/") and not request.path.startswith(reverse("api-docs"))


def api_error(status, code, message, fields=None):
    """The API's error shape ({"error": {status, code, message, fields}}, as config.api's handler
    gives it) for errors Django answers before the API's views run."""
    body = {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}
    return JsonResponse(body, status=status)


def bad_request(request, exception=None):
    # Input refused by config.middleware comes with a message written for the visitor.
    if isinstance(exception, RefusedInput):
        if _is_api(request):
            fields = {exception.field: [exception.message]} if exception.field else {}
            return api_error(400, "invalid", exception.message, fields)
        return error_page(request, 400, "Bad request", exception.message)
    if _is_api(request):
        return api_error(400, "bad_request", "The request could not be understood.")
    return error_page(request, 400, "Bad request", "We could not understand that request.")


def permission_denied(request, exception=None):
    if _is_api(request):
        return api_error(403, "permission_denied", "You do not have permission to perform this action.")
    return error_page(request, 403, "Not allowed", "You do not have permission to see this page.")


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_error(404, "not_found", f"No API endpoint at {request.path}.")
    return error_page(request, 404, "Page not found", "There is nothing here. The link may be old or mistyped.")


def too_many_requests(request, exception=None):
    # django-allauth's rate limits answer through `handler429` in the root URLconf.
    response = error_page(request, 429, "Too many requests", "Please wait a minute before trying again.")
    response["Retry-After"] = "60"
    return response


def csrf_failure(request, reason=""):
    # The reason stays in the log; the visitor gets advice instead of Django's internals.
    return error_page(
        request,
        403,
        "Form expired",
        "The form was open too long or cookies are blocked. Go back, reload the page and try again.",
    )


def server_error(request):
    # Rendered without context processors or database access: whatever failed may fail again.
    if _is_api(request):
        return api_error(500, "server_error", "An error on our side. It has been logged; please try again.")
    return HttpResponseServerError(loader.get_template("500.html").render())
