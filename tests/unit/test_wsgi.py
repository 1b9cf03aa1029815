"""The WSGI entry point that the server runs (webapp/server.py)."""

import io

import pytest

from webapp.users.models import User


@pytest.mark.django_db
def test_wsgi_application_answers_liveness():
    from webapp.wsgi import application

    captured = {}

    def start_response(status, headers):
        captured["status"] = status
        captured["headers"] = dict(headers)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
    }
    body = b"".join(application(environ, start_response))
    assert captured["status"] == "200 OK"
    assert captured["headers"]["Content-Type"] == "application/json"
    assert body == b'{"status":"ok"}'


def test_user_str():
    assert str(User(dni="1", name="Ada")) == "1 (Ada)"


def _post_chunked(body: bytes) -> tuple[str, bytes]:
    """POST BODY to the WSGI application as a server passes a chunked body: no CONTENT_LENGTH."""
    from webapp.wsgi import application

    captured = {}
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/users/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
    }
    out = b"".join(application(environ, lambda status, headers: captured.update(status=status)))
    return captured["status"], out


@pytest.mark.django_db
def test_a_chunked_body_within_the_limit_is_read_whole():
    status, body = _post_chunked(b'{"dni": "chunked", "name": "Sent in chunks"}')
    assert status == "201 Created", body
    assert User.objects.get().name == "Sent in chunks"


@pytest.mark.django_db
def test_a_chunked_body_over_the_limit_gets_the_json_413(settings):
    settings.MAX_REQUEST_BODY_BYTES = 100
    status, body = _post_chunked(b'{"dni": "x", "name": "' + b"a" * 200 + b'"}')
    assert status.startswith("413"), body
    assert b"Request body too large" in body
    assert not User.objects.exists()
