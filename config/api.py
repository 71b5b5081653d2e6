"""What every endpoint of the REST API shares: one error shape for every 4xx, pagination and
throttles. Their description in the OpenAPI schema is in config/api_schema.py."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

# --- the one error shape ----------------------------------------------------------------------

ERROR_MESSAGES = {
    "invalid": "The request is invalid; see fields for details.",
    "parse_error": "The request body could not be parsed.",
}


def _flatten(detail, prefix="") -> dict[str, list[str]]:
    """DRF's nested error details as {"field": [...], "items.0.state": [...]}."""
    if isinstance(detail, dict):
        result = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            result.update(_flatten(value, name))
        return result
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(item) for item in detail]}
        result = {}
        for index, item in enumerate(detail):
            if item:
                result.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return result
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(detail)]}


def _code_of(detail, default: str) -> str:
    if isinstance(detail, dict):
        detail = next(iter(detail.values()), None)
    if isinstance(detail, list):
        detail = detail[0] if detail else None
    return getattr(detail, "code", None) or default


def exception_handler(exc, context):
    """DRF's handler, with every 4xx answered as {"error": {status, code, message, fields}}.

    Django's own ValidationError (raised by services on bad input) becomes a 400 like a serializer's.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    # Imported here: DRF imports this module while it builds rest_framework.views.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(detail)
        code = "invalid"
        message = ERROR_MESSAGES["invalid"]
        only_general = set(fields) == {api_settings.NON_FIELD_ERRORS_KEY}
        if only_general:
            message = " ".join(fields[api_settings.NON_FIELD_ERRORS_KEY])
    else:
        fields = {}
        code = _code_of(detail, exc.default_code if isinstance(exc, exceptions.APIException) else "error")
        message = str(detail if not isinstance(detail, dict | list) else _flatten(detail))
        message = ERROR_MESSAGES.get(code, message)
        if isinstance(exc, exceptions.ParseError):
            message = f"{ERROR_MESSAGES['parse_error']} {detail}"

    response.data = {"error": {"status": response.status_code, "code": code, "message": message, "fields": fields}}
    return response


# --- pagination and throttles ------------------------------------------------------------------


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class _SettingsRate:
    """DRF reads a throttle's rate once, at import; these read it per request so that the rates
    in settings (and test overrides of them) always apply."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    pass


class UserThrottle(_SettingsRate, UserRateThrottle):
    pass
