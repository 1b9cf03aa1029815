"""OpenAPI pieces shared by every operation, and the drf-spectacular hooks."""

import copy
import inspect

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers

from webapp.api import messages
from webapp.api.deprecation import NOTICE_KEY, Deprecation
from webapp.api.limits import (
    DEFAULT_MAX_REQUEST_BODY_BYTES,
    REQUEST_HEADER_MAX_BYTES,
    REQUEST_HEADERS_MAX,
    REQUEST_LINE_MAX_BYTES,
)


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
    "The `Accept` header asks for a media type other than `application/json`, or gives "
    "`application/json` the quality `q=0`.",
    ("NotAcceptable", messages.NOT_ACCEPTABLE),
)
DATABASE_UNAVAILABLE = error_response(
    "The database cannot be reached. The request had no effect; retry after `Retry-After` seconds.",
    ("DatabaseUnavailable", messages.DATABASE_UNAVAILABLE),
)
NOT_FOUND = error_response(
    "No user has this id (also for ids that are not positive integers, or too large).",
    ("NotFound", messages.NOT_FOUND),
)
UNSUPPORTED_MEDIA_TYPE = error_response(
    "The body is not `application/json`.",
    ("UnsupportedMediaType", messages.unsupported_media_type("text/plain")),
)
TOO_LARGE = error_response(
    "The body is larger than the configured limit (`MAX_REQUEST_BODY_BYTES`, "
    f"{DEFAULT_MAX_REQUEST_BODY_BYTES // 1024} KiB by default).",
    ("TooLarge", messages.too_large(DEFAULT_MAX_REQUEST_BODY_BYTES)),
)

DISALLOWED_HOST = error_response(
    "The `Host` header is not a name the service answers to (`DJANGO_ALLOWED_HOSTS`).",
    ("DisallowedHost", messages.disallowed_host("evil.example")),
)


def ok(serializer, description: str, example: str, value) -> OpenApiResponse:
    """A success response with its one example."""
    return OpenApiResponse(
        response=serializer, description=description, examples=[OpenApiExample(example, value)]
    )


def operation(operation_id: str, summary: str, description: str, responses: dict, **kwargs):
    """extend_schema for one operation of the API: its id, tag, words and every response."""
    return extend_schema(
        operation_id=operation_id,
        tags=["users"],
        summary=summary,
        description=description,
        responses=responses,
        **kwargs,
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


# --- answers given before a request is routed (webapp/api/middleware.py), on every operation ----
MALFORMED_EXAMPLE = messages.malformed_request(messages.NO_HOST)
MALFORMED_WORDS = (
    "The request is not valid HTTP/1.1 (no `Host` header, a method in lower case): it was not "
    "processed. A request the server cannot parse at all is answered by the server itself "
    "(docs/api.md)."
)
PROTOCOL_ERRORS = {
    "414": (
        f"The request line (method, path and query string) is longer than "
        f"{REQUEST_LINE_MAX_BYTES} bytes; it was not processed. An id that long is no user's id.",
        "RequestLineTooLong",
        messages.request_line_too_long(REQUEST_LINE_MAX_BYTES),
    ),
    "431": (
        f"More than {REQUEST_HEADERS_MAX} header fields, or one longer than "
        f"{REQUEST_HEADER_MAX_BYTES} bytes; the request was not processed.",
        "RequestHeadersTooLarge",
        messages.request_headers_too_large(REQUEST_HEADERS_MAX, REQUEST_HEADER_MAX_BYTES),
    ),
}


def _error_response(description: str, example: str, detail: str) -> dict:
    return {
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "examples": {example: {"value": {"detail": detail}}},
            }
        },
        "description": description,
    }


def add_protocol_errors(result, generator, request, public):
    """Postprocessing hook: the answers given before routing (RequestLimitsMiddleware), on every
    operation.

    They come before routing, so every operation can get them: ``414`` and ``431``, and a
    ``400`` for a request that is not valid HTTP (added to an operation's own 400, if it has
    one, as one more example and sentence).
    """
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, (description, example, detail) in PROTOCOL_ERRORS.items():
                responses[status] = _error_response(description, example, detail)
            if "400" not in responses:
                responses["400"] = _error_response(
                    MALFORMED_WORDS, "MalformedRequest", MALFORMED_EXAMPLE
                )
                continue
            bad_request = responses["400"]
            bad_request["description"] += " Or: " + MALFORMED_WORDS[0].lower() + MALFORMED_WORDS[1:]
            media = bad_request["content"]["application/json"]
            media.setdefault("examples", {})["MalformedRequest"] = {
                "value": {"detail": MALFORMED_EXAMPLE}
            }
        # keep the statuses in order, as drf-spectacular writes them
        for operation in path_item.values():
            operation["responses"] = dict(sorted(operation["responses"].items()))
    return result


# --- deprecations (webapp/api/deprecation.py) -----------------------------------------------
def deprecation_headers(notice: Deprecation) -> dict:
    """The headers sent on every response of a deprecated operation, with this one's values."""
    sent = notice.headers()
    return {
        "Deprecation": {
            "description": "This operation is deprecated since this moment (RFC 9745: `@` and "
            "Unix seconds).",
            "schema": {"type": "string", "pattern": "^@-?[0-9]+$", "example": sent["Deprecation"]},
        },
        "Sunset": {
            "description": "From this moment on the operation may stop working (RFC 8594, an "
            "HTTP-date); `x-sunset` gives the same date.",
            "schema": {"type": "string", "example": sent["Sunset"]},
        },
        "Link": {
            "description": 'Where to read what to use instead (`rel="deprecation"`).',
            "schema": {"type": "string", "example": sent["Link"]},
        },
    }


def add_deprecations(result, generator, request, public):
    """Postprocessing hook: what @deprecated and @deprecated_fields declare.

    A deprecated operation has ``deprecated: true`` and ``x-sunset`` (from extend_schema); this
    documents the Deprecation, Sunset and Link headers on each of its responses (not the 414 and
    431, answered before routing) and drops the notice the decorator passed on. A
    deprecated field has ``deprecated: true`` (drf-spectacular's deprecate_fields); this adds its
    ``x-sunset``.
    """
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            notice = operation.pop(NOTICE_KEY, None)
            if notice is None:
                continue
            headers = deprecation_headers(
                Deprecation.of(notice["on"], operation["x-sunset"], notice["link"])
            )
            for status, response in operation.get("responses", {}).items():
                if status not in PROTOCOL_ERRORS:
                    response.setdefault("headers", {}).update(copy.deepcopy(headers))
    schemas = result.get("components", {}).get("schemas", {})
    # drf-spectacular's registry of the components it wrote, and the serializer of each
    for component in generator.registry._components.values():
        owner = component.object
        notices = getattr(
            owner if inspect.isclass(owner) else type(owner), "field_deprecations", {}
        )
        properties = schemas.get(component.name, {}).get("properties", {})
        for name, field_notice in notices.items():
            if name in properties:
                properties[name]["x-sunset"] = field_notice.sunset.isoformat()
    return result


# --- HEAD wherever GET (RFC 9110, 9.3.2) -------------------------------------------------------
HEAD_WORDS = (
    "The status and headers that `GET` sends for the same request, without a body (RFC 9110, "
    "9.3.2). `Content-Type` and `Content-Length` are those of the `GET` answer."
)


def head_operation(get: dict) -> dict:
    """The HEAD operation of a GET one: its parameters, tags and statuses with their headers,
    and no response body. Its operationId is the GET's with ``Head`` after it."""
    head = copy.deepcopy(get)
    head["operationId"] = f"{get['operationId']}Head"
    head["summary"] = f"{get.get('summary') or get['operationId']}: headers only"
    head["description"] = HEAD_WORDS
    for response in head.get("responses", {}).values():
        response.pop("content", None)
    return head


def add_head_operations(result, generator, request, public):
    """Postprocessing hook, the last: a ``head`` operation beside every ``get`` (Django answers
    HEAD with the view's GET and drops the body). After the other hooks, so that the HEAD
    operation has every status and header its GET has."""
    for route, path_item in result.get("paths", {}).items():
        if "get" in path_item and "head" not in path_item:
            ordered = {}
            for method, operation in path_item.items():
                ordered[method] = operation
                if method == "get":
                    ordered["head"] = head_operation(operation)
            result["paths"][route] = ordered
    return result
