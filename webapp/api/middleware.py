"""Middleware that keeps every answer JSON, even for errors raised outside DRF views."""

import logging

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousOperation,
)

from webapp.api import deprecation, limits, messages
from webapp.api.errors import database_unavailable, is_database_outage, json_error

logger = logging.getLogger(__name__)


class JSONErrorMiddleware:
    """Turns any exception that escapes a view into a JSON response, never a debug page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and response.get("Content-Type") != "application/json":
            # A path no URL pattern can match, not even the catch-all (one without a leading
            # slash, as in "CONNECT host:port"), gets Django's HTML 404 page: keep it JSON.
            return json_error(404, messages.NOT_FOUND)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return _too_large()
        if isinstance(exception, (SuspiciousOperation, BadRequest)):
            return json_error(400, messages.bad_request(exception))
        if is_database_outage(exception):
            logger.error("database unavailable: %s", exception)
            return database_unavailable()
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, messages.SERVER_ERROR)


def _too_large():
    # The body is left unread, and the server then closes the connection: the answer says so
    # (RFC 9112, 9.6), so that a client does not send its next request on it.
    response = json_error(413, messages.too_large(settings.MAX_REQUEST_BODY_BYTES))
    response["Connection"] = "close"
    return response


class AllowedHostsMiddleware:
    """Answers 400 to a request whose Host is not in ALLOWED_HOSTS, on every path but the probes'.

    Django checks the Host only where something asks for it (an absolute URL): without this, a
    forged Host reached every view, and a cache or a link built from it downstream.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in settings.HOST_CHECK_EXEMPT_PATHS:
            try:
                request.get_host()
            except DisallowedHost:
                host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
                return json_error(400, messages.disallowed_host(host[:200]))
        return self.get_response(request)


class RequestLimitsMiddleware:
    """Refuses, in JSON, a request over the limits the contract documents, before it is routed:
    ``414`` for a request line over REQUEST_LINE_MAX_BYTES, ``431`` for more than
    REQUEST_HEADERS_MAX header fields or one over REQUEST_HEADER_MAX_BYTES, and ``400`` for an
    HTTP/1.1 request without ``Host`` (RFC 9112, 3.2) or with a method in lower case. The
    server's own limits are above these (webapp/api/limits.py), so what it refuses itself is only
    what no operation can be named for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        # A missing Host reaches the app as an empty one.
        if meta.get("SERVER_PROTOCOL") == "HTTP/1.1" and not meta.get("HTTP_HOST"):
            return json_error(400, messages.malformed_request(messages.NO_HOST))
        method = meta.get("REQUEST_METHOD", "")
        if not method.isupper():
            # Methods are case-sensitive (RFC 9110, 9.1): "get" is not GET, which Django (it
            # upper-cases the method) would take it for.
            return json_error(400, messages.malformed_request(messages.not_a_method(method)))
        line = len(request.method) + len(request.get_full_path()) + 10  # spaces and HTTP/1.1
        if line > limits.REQUEST_LINE_MAX_BYTES:
            return json_error(414, messages.request_line_too_long(limits.REQUEST_LINE_MAX_BYTES))
        fields = [
            (name, value)
            for name, value in meta.items()
            if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")
        ]
        if len(fields) > limits.REQUEST_HEADERS_MAX or any(
            len(name) - 3 + len(str(value)) > limits.REQUEST_HEADER_MAX_BYTES
            for name, value in fields
        ):
            return json_error(
                431,
                messages.request_headers_too_large(
                    limits.REQUEST_HEADERS_MAX, limits.REQUEST_HEADER_MAX_BYTES
                ),
            )
        return self.get_response(request)


class BodySizeLimitMiddleware:
    """Answers 413 before reading a body whose declared length is over the limit.

    DRF reads the WSGI stream directly, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE alone does not
    protect the API views. A chunked body has its length by now (webapp/wsgi.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return json_error(400, messages.invalid_content_length(raw))
        if length < 0:
            return json_error(400, messages.invalid_content_length(raw))
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return _too_large()
        if length:
            # Read whole now (at most the limit): whatever the view answers, even a refusal
            # that never looks at the body (415, 406), leaves no unread body on the connection,
            # so the client's next request on it is answered.
            try:
                request.body  # noqa: B018 - Django keeps it for the parsers
            except RequestDataTooBig:  # DATA_UPLOAD_MAX_MEMORY_SIZE, if set below the limit
                return _too_large()
        return self.get_response(request)


class HeadWithoutBodyMiddleware:
    """Answers HEAD with GET's status and headers and no body (RFC 9110, 9.3.2).

    Django runs a view's GET for HEAD; HTTP servers drop the body, but an application called
    in process (tests, Schemathesis's WSGI transport) would still see one. Outside
    ContentLengthMiddleware, so that ``Content-Length`` stays the GET's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []
            else:
                response.content = b""
        return response


class ContentLengthMiddleware:
    """Sets Content-Length on every response whose body is already in memory.

    Without it a server sends such a response with chunked transfer encoding, and a client
    cannot tell its size before the end. Django's CommonMiddleware does the same for the same
    reason; this one does only that. Streamed responses (a long list of users,
    static files, which set their own length) are left as they are. The body is unchanged.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response


class DeprecationHeadersMiddleware:
    """Sends Deprecation, Sunset and Link (rel="deprecation") on every response of a deprecated
    operation, errors included (webapp/api/deprecation.py). While nothing is deprecated it
    returns at once: the hot path pays one check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not deprecation.DEPRECATED_HANDLERS:
            return response
        notice = deprecation.notice_for(request)
        if notice is not None:
            for name, value in notice.headers().items():
                if name == "Link" and response.has_header("Link"):
                    value = f"{response['Link']}, {value}"
                response.headers[name] = value
        return response
