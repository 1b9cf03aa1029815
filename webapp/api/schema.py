"""OpenAPI pieces shared by every operation, and the drf-spectacular hooks."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words a person can act on.")

    class Meta:
        ref_name = "Error"


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages keyed by the request field they are about.",
    )

    class Meta:
        ref_name = "ValidationError"


def error_response(description: str, *examples: tuple[str, str]) -> OpenApiResponse:
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description,
        examples=[OpenApiExample(name, value={"detail": detail}) for name, detail in examples],
    )


NOT_ACCEPTABLE = error_response(
    "The `Accept` header asks for a media type other than `application/json`.",
    ("NotAcceptable", "Could not satisfy the request Accept header."),
)
DATABASE_UNAVAILABLE = error_response(
    "The database cannot be reached. The request had no effect; retry after `Retry-After` seconds.",
    ("DatabaseUnavailable", "The database is unavailable; retry later."),
)
NOT_FOUND = error_response(
    "No user has this id (also for ids that are not positive integers, or too large).",
    ("NotFound", "Not found."),
)
UNSUPPORTED_MEDIA_TYPE = error_response(
    "The body is not `application/json`.",
    ("UnsupportedMediaType", 'Unsupported media type "text/plain" in request.'),
)
TOO_LARGE = error_response(
    "The body is larger than the configured limit (`MAX_REQUEST_BODY_BYTES`, 16 KiB by default).",
    ("TooLarge", "Request body too large; the limit is 16384 bytes."),
)

LENGTH_REQUIRED = error_response(
    "The body was sent with chunked transfer encoding; send it with a `Content-Length` header.",
    (
        "LengthRequired",
        "Send the body with a Content-Length header; chunked transfer encoding is not supported.",
    ),
)


def only_canonical_paths(endpoints, **kwargs):
    """Preprocessing hook: document each route once, in its trailing-slash form.

    Every route is also served without the slash; the API description says so.
    """
    return [endpoint for endpoint in endpoints if endpoint[0].endswith("/")]


LOCATION_HEADER = {
    "Location": {
        "description": "Path of the created user, to read it back with `GET`.",
        "schema": {"type": "string", "example": "/api/users/1/"},
    }
}

RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "string", "example": "5"},
    }
}


def add_links(result, generator, request, public):
    """Postprocessing hook: response headers and the OpenAPI link from create to read.

    The link lets stateful contract tests (and API consumers) follow a created user to its
    read-back operation.
    """
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if "503" in responses:
                responses["503"]["headers"] = RETRY_AFTER_HEADER
            if operation.get("operationId") == "createUser" and "201" in responses:
                responses["201"]["headers"] = LOCATION_HEADER
                responses["201"]["links"] = {
                    "GetCreatedUser": {
                        "operationId": "getUser",
                        "parameters": {"id": "$response.body#/id"},
                        "description": "The `id` in the body is the id to read the user back.",
                    }
                }
    return result
