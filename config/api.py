"""What every endpoint of the REST API shares: one error shape for every 4xx, pagination and
throttles. Their description in the OpenAPI schema is in config/api_schema.py."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.http import Http404
from rest_framework import exceptions, parsers, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from config.client_ip import client_network

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
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()

    # Imported here: DRF imports this module while it builds rest_framework.views.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(exc, Conflict | NotFound):
        fields, code, message = exc.fields, exc.default_code, str(detail)
    elif isinstance(exc, exceptions.ValidationError):
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


class Conflict(exceptions.APIException):
    """The request is well formed but the resource's state does not allow it (409)."""

    status_code = 409
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"

    def __init__(self, message=None, *, fields=None):
        super().__init__(message)
        self.fields = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}


class RequestTooLarge(exceptions.APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (413; Django raises RequestDataTooBig as DRF reads it)."""

    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


# --- the JSON parser ----------------------------------------------------------------------------

# Deeper than any body an endpoint takes (three levels), far below what makes the parser recurse
# past Python's limit.
MAX_JSON_DEPTH = 32


def _depth_exceeds(data, limit: int) -> bool:
    """Whether `data` nests lists and objects more than `limit` deep (walked with a stack)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing nesting deeper than MAX_JSON_DEPTH as a 400 parse_error (past about
    a thousand levels the parser itself raised RecursionError, a 500). Text that PostgreSQL cannot
    store (NUL, lone surrogates) is refused by the serializers' text fields, which every stored
    string passes through; a body over DATA_UPLOAD_MAX_MEMORY_SIZE by Django as DRF reads it (413,
    see exception_handler)."""

    def parse(self, stream, media_type=None, parser_context=None):
        error = exceptions.ParseError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise error from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise error
        return data


# --- field helpers -------------------------------------------------------------------------------

# Web addresses as the API documents and accepts them: http(s), a host name with a dot, then an
# optional path, query and fragment (percent-escapes well formed). Strict enough that every match
# is also a valid URI and passes Django's URLValidator, so that what the schema allows is exactly
# what the server accepts.
_URL_CHAR = r"([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
HTTP_URL_PATTERN = (
    r"^https?://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,3}[A-Za-z]{2,24}"
    rf"(/{_URL_CHAR}*)*(\?({_URL_CHAR}|[/?])*)?(#({_URL_CHAR}|[/?])*)?$"
)
http_url_validator = RegexValidator(
    HTTP_URL_PATTERN, "Enter a full web address such as https://example.com/path.", code="invalid_url"
)
# Some text besides white space (which would be stripped to nothing), and no NUL character.
not_blank_validator = RegexValidator(r"^[^\x00]*[^\s\x00][^\x00]*$", "Write something here.", code="blank")


class HttpUrlField(serializers.CharField):
    """An http(s) URL in a request ("" clears it), matching `pattern` (HTTP_URL_PATTERN or a
    stricter one). Documented with its pattern for requests (see config/api_schema.py); responses
    show whatever is stored, as a plain string."""

    def __init__(self, *, pattern=HTTP_URL_PATTERN, message=None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.pattern = pattern
        self.validators.append(RegexValidator(pattern, message or http_url_validator.message, code="invalid_url"))


class NotFound(exceptions.NotFound):
    """A 404 that names the fields whose values refer to nothing (a topic id, a step slug)."""

    def __init__(self, message=None, *, fields=None):
        super().__init__(message)
        self.fields = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}


# --- pagination and throttles ------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """?page=N&page_size=M (1-200, default 50). A page size out of range is a 400, not silently
    clamped, so that a client learns its request was not what it meant."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
        return parameters


# --- strict JSON types ---------------------------------------------------------------------------

# DRF coerces generously ("1" or 1 for true, 12 for "12"); the schema promises JSON types, and a
# client that sends the wrong one has a bug it should hear about.
_JSON_TYPES = [
    (serializers.BooleanField, (bool,), "a boolean"),
    (serializers.IntegerField, (int,), "an integer"),
    (serializers.ListField, (list,), "a list"),
    (serializers.ManyRelatedField, (list,), "a list"),
    (serializers.DictField, (dict,), "an object"),
    (serializers.JSONField, (dict, list, str, int, float, bool), "JSON"),
    (serializers.ChoiceField, (str,), "a string"),
    (serializers.CharField, (str,), "a string"),
    (serializers.DateField, (str,), "a date string (YYYY-MM-DD)"),
    (serializers.DateTimeField, (str,), "a date-time string"),
]


def _type_error(field, value) -> str | None:
    if value is None:
        return None if field.allow_null else "This field may not be null."
    for field_class, types, name in _JSON_TYPES:
        if isinstance(field, field_class):
            if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
                return f"Must be {name}."
            if isinstance(field, serializers.ListField) and isinstance(value, list):
                for index, item in enumerate(value):
                    error = _type_error(field.child, item)
                    if error:
                        return f"Item {index}: {error}"
            return None
    return None


class StrictTypesMixin:
    """Rejects values of the wrong JSON type before DRF would coerce them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                if not field.read_only and field.field_name in data:
                    error = _type_error(field, data[field.field_name])
                    if error:
                        errors[name] = [error]
            if errors:
                raise exceptions.ValidationError(errors)
        return super().to_internal_value(data)


class StrictSerializer(StrictTypesMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictTypesMixin, serializers.ModelSerializer):
    pass


class _SettingsRate:
    """DRF reads a throttle's rate once, at import; these read it per request so that the rates
    in settings (and test overrides of them) always apply. An anonymous client is known by its
    address as config.client_ip finds it (an IPv6 client by its /64): a forged X-Forwarded-For or a
    new address from the same network does not make it someone new."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_network(request)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    pass


class UserThrottle(_SettingsRate, UserRateThrottle):
    pass
