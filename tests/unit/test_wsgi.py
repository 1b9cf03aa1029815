"""The WSGI entry point that gunicorn serves."""

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
