"""Request ids, and django-csp's middleware with its header built once.

Request ids: every request gets one (the proxy's X-Request-ID when it is sane, else a new one); it
is returned in the response's X-Request-ID header, set on every log record made while the request
is handled, and one access-log line per request records it with the status and duration."""

import http.client
import logging
import re
import time
import uuid

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import request_finished

from config.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it cannot forge or break a log line.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")

access_log = logging.getLogger("config.request")


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


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id(request)
        request.id = request_id
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
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
            },
        )
        return response


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, building the policy header once instead of on every response.

    django-csp turns the settings into the header string for each response (two dataclass copies and
    two policy builds): about a third of the time of a page served from the page cache. When nothing
    varies per response (no nonce was used, no view changed the policy), the header only depends on
    the settings, so it is built once per distinct setting and reused; anything else goes through
    django-csp unchanged.
    """

    _OVERRIDES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")

    def __init__(self, get_response):
        super().__init__(get_response)
        # (policy setting, report-only setting, header, report-only header); the settings objects
        # are kept so that they are compared by identity for as long as the headers are used.
        self._built = (object(), object(), "", "")

    def _headers(self) -> tuple[str, str]:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if self._built[0] is not policy or self._built[1] is not report_only:
            self._built = (policy, report_only, build_policy(), build_policy(report_only=True))
        return self._built[2], self._built[3]

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in self._OVERRIDES):
            return super().process_response(request, response)
        if response.status_code in (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND) and settings.DEBUG:
            return response
        header, header_ro = self._headers()
        for name, value, setting, exempt in (
            (HEADER, header, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
            (HEADER_REPORT_ONLY, header_ro, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
        ):
            prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", ()) or ())
            excluded = bool(prefixes) and request.path_info.startswith(prefixes)
            if value and name not in response and not getattr(response, exempt, False) and not excluded:
                response[name] = value
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response
