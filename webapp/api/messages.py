"""Every message the API answers an error with, defined once.

The code that answers (exception handler, middleware, views, parser, readiness check) and the
OpenAPI examples (webapp/api/schema.py and the views' extend_schema) both take their text from
here, so the contract's examples are the bodies the service sends. The messages DRF writes
itself are read from DRF, for the same reason.
"""

from rest_framework import exceptions

NOT_FOUND = "Not found."
USER_ALREADY_EXISTS = "User already exists"
DATABASE_UNAVAILABLE = "The database is unavailable; retry later."
SERVER_ERROR = "Internal server error; the failure was logged."
JSON_TOO_DEEP = "JSON parse error - document is nested too deeply"
INVALID_INPUT_PREFIX = "Invalid input: "

# Written by DRF's content negotiation.
NOT_ACCEPTABLE = str(exceptions.NotAcceptable.default_detail)


def unsupported_media_type(media_type: str) -> str:
    """What DRF answers to a body of this media type."""
    return str(exceptions.UnsupportedMediaType(media_type).detail)


def too_large(limit: int) -> str:
    return f"Request body too large; the limit is {limit} bytes."


def bad_request(reason: object) -> str:
    return f"Bad request: {reason}"


def disallowed_host(host: str) -> str:
    return bad_request(f"the Host header {host!r} is not a name this service answers to.")


def invalid_content_length(raw: str) -> str:
    return bad_request(f"invalid Content-Length header {raw!r}.")


def database_unreachable(reason: str) -> str:
    return f"database unreachable: {reason}"


def migrations_pending(migrations: list[str]) -> str:
    return f"migrations pending: {', '.join(migrations)}; run the migrate command"


# Written by RequestLimitsMiddleware (webapp/api/middleware.py), before a request is routed.
NO_HOST = "an HTTP/1.1 request must carry a Host header"


def not_a_method(method: str) -> str:
    return f"{method[:20]!r} is not an HTTP method; methods are case-sensitive, as in GET or POST"


def request_line_too_long(limit: int) -> str:
    return (
        f"Request line too long: the method, path and query string may take up to {limit} bytes "
        "(a user id has at most 19 digits)."
    )


def request_headers_too_large(fields: int, field_bytes: int) -> str:
    return (
        f"Request headers too large: at most {fields} header fields are read, "
        f"each of at most {field_bytes} bytes."
    )


def malformed_request(reason: str) -> str:
    return f"Malformed HTTP request, not processed: {reason}."
