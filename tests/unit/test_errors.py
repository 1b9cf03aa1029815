"""The error contract: JSON everywhere, 405 with Allow, never a debug page or an HTML 500."""

import pytest
from django.db import OperationalError

from webapp.users.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("put", "/api/users/1/", "GET, HEAD"),
        ("patch", "/api/users/1/", "GET, HEAD"),
        ("delete", "/api/users/1/", "GET, HEAD"),
        ("post", "/api/users/1/", "GET, HEAD"),
        ("options", "/api/users/1/", "GET, HEAD"),
        ("delete", "/api/users/1", "GET, HEAD"),
        ("put", "/api/users/", "GET, HEAD, POST"),
        ("delete", "/api/users/", "GET, HEAD, POST"),
        ("patch", "/api/users", "GET, HEAD, POST"),
        ("options", "/api/users/", "GET, HEAD, POST"),
        ("post", "/api/", "GET, HEAD"),
        ("post", "/healthz", "GET, HEAD"),
        ("delete", "/readyz/", "GET, HEAD"),
    ],
)
def test_undocumented_methods_give_405_with_allow(api, method, path, allow):
    user = User.objects.create(dni="1", name="one")
    response = getattr(api, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
    assert User.objects.get(pk=user.pk).name == "one"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize("path", ["/", "/nope", "/api/nope/", "/api/users/1/extra/", "/static/x"])
def test_unknown_paths_give_json_404(api, method, path, settings):
    settings.DEBUG = True  # even in debug mode: no HTML page
    response = getattr(api, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.service_broken_on_purpose
def test_unexpected_error_is_json_500_without_debug_page(api, settings, monkeypatch):
    settings.DEBUG = True

    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setattr("webapp.users.selectors.users_page", boom)
    api.raise_request_exception = False
    response = api.get("/api/users/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Internal server error; the failure was logged."}
    assert b"secret internals" not in response.content


@pytest.mark.parametrize(("method", "path"), [("get", "/api/users/"), ("get", "/api/users/1/")])
def test_database_outage_gives_503_json(api, monkeypatch, method, path):
    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("webapp.users.selectors.users_page", unavailable)
    monkeypatch.setattr("webapp.users.selectors.get_user", unavailable)
    response = getattr(api, method)(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "The database is unavailable; retry later."}


def test_database_outage_on_create_gives_503(create, monkeypatch):
    def unavailable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("webapp.users.services.create_user", unavailable)
    response = create()
    assert response.status_code == 503


def test_disallowed_host_gives_json_400(api, settings):
    settings.ALLOWED_HOSTS = ["example.org"]
    response = api.get("/api/", HTTP_HOST="evil.test")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "evil.test" in response.json()["detail"]


def test_body_over_djangos_own_limit_is_413_too(post_raw, settings):
    # Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards request.body; it must answer 413 JSON as well.
    settings.MAX_REQUEST_BODY_BYTES = 1_000_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    response = post_raw(b'{"dni": "1", "name": "a longer name"}')
    assert response.status_code == 413
    assert response.json()["detail"].startswith("Request body too large")


def test_database_outage_outside_drf_is_503(rf, settings):
    from webapp.api.middleware import JSONErrorMiddleware

    middleware = JSONErrorMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/"), OperationalError("gone"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path_info", ["127.0.0.1:80", "api/users/", "*"])
def test_path_without_leading_slash_gives_json_404(api, settings, debug, path_info):
    # CONNECT host:port and other raw requests reach Django with a path that no URL pattern can
    # match, not even the catch-all; the answer must still be the API's JSON 404.
    settings.DEBUG = debug
    response = api.get("/", PATH_INFO=path_info)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
