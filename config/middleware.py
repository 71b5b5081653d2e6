"""Middleware of our own.

RequestIdMiddleware: every request gets an id (the proxy's X-Request-ID when it is sane, else a new
one); it is returned in the response's X-Request-ID header, set on every log record made while the
request is handled, and one access-log line per request records it with the status the client
really gets, the duration and the client's address.

BadInputMiddleware: input that no view can use is refused in one place, as a 400 in the site's
error shape, before any view sees it (see `refused_input`).

PrivatePagesMiddleware: what a signed-in visitor gets is theirs only and never kept in a cache.
"""

import logging
import re
import time
import uuid

from django.core.exceptions import BadRequest
from django.core.signals import request_finished
from django.urls import get_resolver, get_urlconf
from django.utils.cache import patch_cache_control

from config.client_ip import client_ip
from config.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it cannot forge or break a log line.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")
# What a header value may hold on the wire (RFC 9110: visible characters, obs-text, space, tab);
# WSGI servers refuse anything else and answer 500 instead of the response we logged.
_VALID_HEADER_VALUE = re.compile(r"[ \t\x21-\x7e\x80-\xff]*")

access_log = logging.getLogger("config.request")
logger = logging.getLogger(__name__)


def _request_id(request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _VALID_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def _forget_request_id(**kwargs):
    request_id_var.set("-")


# The id stays set until the response is finished, not just until this middleware returns: Django
# logs 4xx responses ("Not Found: ...") after the whole middleware chain, and those lines need it too.
request_finished.connect(_forget_request_id, dispatch_uid="config.middleware.forget_request_id")


def _unsendable_header(response) -> str | None:
    """The name of a header the server could not send, if any."""
    for name, value in response.items():
        if not _VALID_HEADER_VALUE.fullmatch(value):
            return name
    return None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id(request)
        request.id = request_id
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        bad_header = _unsendable_header(response)
        if bad_header:
            # The server would refuse it and send a 500 of its own, after we logged our status: send
            # the site's 500 (the URLconf's handler500) instead, and log what happened.
            logger.error("Response header %s holds characters no server can send", bad_header)
            response = get_resolver(get_urlconf()).resolve_error_handler(500)(request)
        response[REQUEST_ID_HEADER] = request_id
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "client_ip": client_ip(request),
            },
        )
        return response


# --- input no view can use ------------------------------------------------------------------------

# In a query parameter: any control character. Nothing typed into a one-line field holds one, and
# views put parameters into headers, file names and log lines, where they break things.
_QUERY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The same, still percent-encoded in the raw query string (or raw): the cheap test on every request.
_RAW_QUERY_CONTROL = re.compile(r"%[01][0-9A-Fa-f]|%7[Ff]|[\x00-\x1f\x7f]")
# In a form field: NUL, which PostgreSQL refuses in text, and the other characters XML 1.0 cannot
# carry (feeds, sitemaps); tab and line breaks are text.
_FORM_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORM_TYPES = frozenset(["application/x-www-form-urlencoded", "multipart/form-data"])


class RefusedInput(BadRequest):
    """A 400 whose message is written for the visitor (config.views shows it), naming the field."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def _printable(name: str) -> str:
    """A parameter's name as it can be shown: control characters as "?", at most 40 characters."""
    name = _QUERY_CONTROL.sub("?", name)
    return name if len(name) <= 40 else name[:39] + "…"


def _first_match(pattern, items) -> str | None:
    for key, values in items:
        if pattern.search(key) or any(pattern.search(value) for value in values):
            return key
    return None


def refused_input(request) -> RefusedInput | None:
    """Why this request's input cannot be used, or None.

    The classes refused here would otherwise reach a database that cannot store them (NUL), a
    response header or a file name (control characters), whichever view or library (the admin's
    search box, the API's schema view) happens to take them.
    """
    if "\x00" in request.path_info:
        return RefusedInput("The address holds a NUL character.")
    if _RAW_QUERY_CONTROL.search(request.META.get("QUERY_STRING", "")):
        name = _first_match(_QUERY_CONTROL, request.GET.lists())
        if name is not None:
            name = _printable(name)
            return RefusedInput(f"The query parameter “{name}” holds a control character.", field=name)
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        name = _first_match(_FORM_CONTROL, request.POST.lists())
        if name is not None:
            name = _printable(name)
            return RefusedInput(
                f"The field “{name}” holds a control character (such as NUL) that cannot be stored. "
                "Go back, remove it and send the form again.",
                field=name,
            )
    return None


class BadInputMiddleware:
    """Answers 400 through the URLconf's handler400 (config.views.bad_request, which shows the
    refusal's message) to a request `refused_input` refuses. Returned, not raised: Django would log
    a traceback for every such request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = refused_input(request)
        if refusal is not None:
            return get_resolver(get_urlconf()).resolve_error_handler(400)(request, refusal)
        return self.get_response(request)


# --- signed-in pages --------------------------------------------------------------------------------


class PrivatePagesMiddleware:
    """Every answer to a signed-in visitor (a session or an API token) is `private, no-store`: it
    may show their data, so no shared cache may keep it and no browser may store it on disk."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
