"""The WSGI entry point that the server runs (webapp/server.py)."""

import io

import pytest
from django.test import override_settings

from webapp.users.models import User


def _call(method: str, path: str) -> tuple[str, dict, bytes]:
    """The WSGI application's own answer, with no server between to drop anything."""
    from webapp.wsgi import application

    captured = {}

    def start_response(status, headers):
        captured["status"] = status
        captured["headers"] = dict(headers)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
    }
    body = b"".join(application(environ, start_response))
    return captured["status"], captured["headers"], body


@pytest.mark.django_db
def test_wsgi_application_answers_liveness():
    status, headers, body = _call("GET", "/healthz")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/json"
    assert body == b'{"status":"ok"}'


# Paths that read no database: a request through the whole WSGI application ends by closing the
# test's database connection, which PostgreSQL's test transaction cannot survive.
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/api/"])
def test_the_application_itself_answers_head_without_a_body(path):
    status, headers, body = _call("HEAD", path)
    assert status == "200 OK"
    assert body == b""
    assert headers["Content-Length"] == str(len(_call("GET", path)[2]))


def test_user_str():
    assert str(User(dni="1", name="Ada")) == "1 (Ada)"


def _passed_on(body: bytes, limit: int) -> dict:
    """What sized_bodies hands the application for BODY sent chunked (no CONTENT_LENGTH)."""
    from webapp.wsgi import sized_bodies

    seen = {}

    def app(environ, start_response):
        seen.update(environ, body=environ["wsgi.input"].read())
        return []

    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(body)}
    with override_settings(MAX_REQUEST_BODY_BYTES=limit):
        sized_bodies(app)(environ, None)
    return seen


def test_a_chunked_body_within_the_limit_reaches_django_with_its_length():
    seen = _passed_on(b'{"dni": "chunked"}', limit=100)
    assert (seen["CONTENT_LENGTH"], seen["body"]) == ("18", b'{"dni": "chunked"}')
    assert "HTTP_TRANSFER_ENCODING" not in seen


def test_a_chunked_body_over_the_limit_is_given_a_length_over_it_and_left_unread():
    seen = _passed_on(b"a" * 500, limit=100)
    assert seen["CONTENT_LENGTH"] == "101"  # BodySizeLimitMiddleware answers the JSON 413
    assert seen["body"] == b""


def test_a_body_sent_with_its_length_is_passed_on_as_it_is():
    from webapp.wsgi import sized_bodies

    environ = {"CONTENT_LENGTH": "2", "wsgi.input": io.BytesIO(b"{}")}
    sized_bodies(lambda env, start: [env["wsgi.input"].read()])(environ, None)
    assert environ["CONTENT_LENGTH"] == "2"
