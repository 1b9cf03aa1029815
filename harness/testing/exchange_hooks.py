"""Where the recorder of harness/testing/exchanges.py listens: each client the gates' tests use.

Each hook wraps the one method every request of that client passes through and records after
the answer, never changing it. Installed once per test process by the pytest plugin, for the
gates the registry marks ``records``.
"""

from __future__ import annotations

import functools

from harness.testing import exchanges

_installed: list[tuple[object, str, object]] = []


def _wrap(owner, name: str, make) -> None:
    original = getattr(owner, name)
    if getattr(original, "_records_exchanges", False):
        return
    wrapped = functools.wraps(original)(make(original))
    wrapped._records_exchanges = True
    setattr(owner, name, wrapped)
    _installed.append((owner, name, original))


def _requests_send(original):
    def send(self, request, **kwargs):
        response = original(self, request, **kwargs)
        args = (request.method, request.url, response.status_code, dict(response.headers))
        rest = (request.headers.get("Content-Type"), request.body)
        if kwargs.get("stream"):
            # A streamed body is its reader's: it is recorded once read (.content reads it too).
            response.iter_content = _requests_read(response.iter_content, args, rest)
        else:
            exchanges.record(*args, response.content, *rest, source="requests")
        return response

    return send


def _requests_read(iter_content, args: tuple, rest: tuple):
    def read(*a, **kw):
        yield from _recorded_when_read(iter_content(*a, **kw), args, rest, "requests")

    return read


def _django_request(original):
    def request(self, **environ):
        from django.test.client import FakePayload

        body = b""
        payload = environ.get("wsgi.input")
        length = environ.get("CONTENT_LENGTH") or "0"
        # A test may send a broken Content-Length on purpose: then the body stays unread.
        length = int(length) if length.isdigit() else 0
        if payload is not None and length:
            body = payload.read(length)
            environ["wsgi.input"] = FakePayload(body)
        response = original(self, **environ)
        query = environ.get("QUERY_STRING", "")
        args = (
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", "/") + (f"?{query}" if query else ""),
            response.status_code,
            dict(response.headers),
        )
        rest = (environ.get("CONTENT_TYPE"), body)
        if response.streaming:
            response.streaming_content = _recorded_when_read(response.streaming_content, args, rest)
        else:
            exchanges.record(*args, response.content, *rest, source="django")
        return response

    return request


def _recorded_when_read(chunks, args: tuple, rest: tuple, source: str = "django"):
    """The stream as the test reads it, recorded once it was read to its end; a stream the test
    leaves unread, or that fails midway (a test of that), records nothing."""
    seen = []
    for chunk in chunks:
        seen.append(chunk)
        yield chunk
    exchanges.record(*args, b"".join(seen), *rest, source=source)


def _schemathesis_wsgi(original):
    def send(self, case, **kwargs):
        response = original(self, case, **kwargs)
        request = response.request
        exchanges.record(
            request.method,
            request.url,
            response.status_code,
            {k: ", ".join(v) for k, v in response.headers.items()},
            response.content,
            request.headers.get("Content-Type"),
            request.body,
            source="wsgi",
        )
        return response

    return send


def install() -> None:
    """Hook every client that is importable here (a gate's env need not have them all)."""
    try:
        import requests
    except ImportError:  # pragma: no cover - every gate env has requests
        pass
    else:
        _wrap(requests.Session, "send", _requests_send)
    try:
        from django.test.client import Client
    except ImportError:  # pragma: no cover - every gate env has Django
        pass
    else:
        _wrap(Client, "request", _django_request)
    try:
        from schemathesis.transport.wsgi import WSGITransport
    except ImportError:
        pass
    else:
        _wrap(WSGITransport, "send", _schemathesis_wsgi)


def uninstall() -> None:
    while _installed:
        owner, name, original = _installed.pop()
        setattr(owner, name, original)
