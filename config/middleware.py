"""Request ids: every request gets one (the proxy's X-Request-ID when it is sane, else a new one); it
is returned in the response's X-Request-ID header, set on every log record made while the request
is handled, and one access-log line per request records it with the status and duration."""

import logging
import re
import time
import uuid

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
