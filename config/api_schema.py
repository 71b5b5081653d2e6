"""The parts of the OpenAPI schema that every operation shares: the error responses in the one
error shape, the Retry-After header of a 429, and the personal token's security schemes.

Kept apart from config/api.py because DRF imports that module while it builds APIView, before an
AutoSchema subclass can be defined.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(
        help_text="A stable machine-readable code: invalid, parse_error, not_authenticated, "
        "authentication_failed, permission_denied, not_found, method_not_allowed, not_acceptable, "
        "unsupported_media_type, too_large, throttled, bad_request, server_error."
    )
    message = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Per-field messages for 400s, keyed by field name ("items.0.state" for nested fields).',
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx response."""

    error = ErrorBodySerializer()


RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    type=OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=["429"],
    description="Seconds to wait before the next request.",
)


def _error(description):
    return OpenApiResponse(ErrorSerializer, description=description)


class ApiAutoSchema(AutoSchema):
    """Documents the error responses each operation can give, in the one error shape."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), RETRY_AFTER]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "400": _error("Invalid input or query parameters."),
            "401": _error("Missing or invalid credentials."),
            "404": _error("No such object (or not yours), or no such page."),
            "429": _error("Too many requests; see Retry-After."),
        }
        if self.method != "GET" or self._requires_user():
            errors["403"] = _error("Not allowed (for a session: a missing or wrong CSRF token).")
        if self.method in ("POST", "PUT", "PATCH"):
            errors["413"] = _error("The body is larger than the server accepts.")
            errors["415"] = _error("The body is not JSON.")
            if getattr(self.view, "may_conflict", False):
                errors["409"] = _error("Not possible in the object's current state (see message and fields).")
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _requires_user(self):
        return any(isinstance(p, permissions.IsAuthenticated) for p in self.view.get_permissions())


class HttpUrlFieldScheme(OpenApiSerializerFieldExtension):
    target_class = "config.api.HttpUrlField"

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string"}
        if direction == "request":
            pattern = self.target.pattern
            schema["pattern"] = f"^$|{pattern}" if self.target.allow_blank else pattern
            if self.target.max_length:
                schema["maxLength"] = self.target.max_length
        return schema


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = ["tokenAuth", "bearerAuth"]

    def get_security_requirement(self, auto_schema):
        # Either header form works: a list is OR in OpenAPI.
        return [{"tokenAuth": []}, {"bearerAuth": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": 'A personal API token sent as "Token <key>". Create one in Settings or with '
                "`manage.py create_api_token USERNAME`.",
            },
            {
                "type": "http",
                "scheme": "bearer",
                "description": 'The same personal API token, sent as "Bearer <key>".',
            },
        ]


# In JSON Schema source text; both Python's re and ECMA regexes read \u0000.
NO_NUL_PATTERN = "^[^\\u0000]*$"
NO_CONTROL_PATTERN = "^[^\\u0000-\\u001f\\u007f]*$"


def forbid_nul_characters(result, generator, request, public):
    """Postprocessing hook: request strings may not hold NUL characters (DRF refuses them: PostgreSQL
    cannot store them), and query parameters no control character at all (config.middleware refuses
    them before any view); the schema says so wherever a string has no pattern, format or enum."""

    def visit(schema, pattern=NO_NUL_PATTERN):
        if not isinstance(schema, dict):
            return
        if schema.get("type") == "string" and not {"pattern", "enum", "format"} & schema.keys():
            schema["pattern"] = pattern
        for child in schema.get("properties", {}).values():
            visit(child, pattern)
        visit(schema.get("items"), pattern)
        visit(schema.get("additionalProperties"), pattern)
        for key in ("allOf", "anyOf", "oneOf"):
            for child in schema.get(key, []):
                visit(child, pattern)

    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            visit(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    visit(parameter.get("schema"), NO_CONTROL_PATTERN)
                elif parameter.get("in") == "path":
                    visit(parameter.get("schema"))
    return result
