"""The request-line and header limits, a missing Host and a method in lower case are refused in
JSON before routing (webapp/api/middleware.py, RequestLimitsMiddleware)."""

import pytest

from webapp.api import limits

pytestmark = pytest.mark.django_db


def test_a_request_line_over_the_limit_gets_414(api):
    response = api.get("/api/users/?q=" + "a" * limits.REQUEST_LINE_MAX_BYTES)
    assert response.status_code == 414
    assert response.json()["detail"].startswith("Request line too long")


def test_a_request_line_at_the_limit_is_routed(api):
    # "GET " + path + " HTTP/1.1" is exactly the limit.
    path = "/api/users/?q="
    response = api.get(path + "a" * (limits.REQUEST_LINE_MAX_BYTES - len(path) - 13))
    assert response.status_code == 200


def test_more_header_fields_than_the_limit_get_431(api):
    extra = {f"HTTP_X_H{i}": "v" for i in range(limits.REQUEST_HEADERS_MAX)}
    response = api.get("/api/users/", **extra)
    assert response.status_code == 431
    assert response.json()["detail"].startswith("Request headers too large")


def test_a_header_field_over_its_size_gets_431(api):
    response = api.get("/api/users/", HTTP_X_FILLER="a" * limits.REQUEST_HEADER_MAX_BYTES)
    assert response.status_code == 431


def test_a_header_field_at_its_size_is_routed(api):
    # "X-Filler: " + value: name, colon and space count, as on the wire.
    response = api.get("/api/users/", HTTP_X_FILLER="a" * (limits.REQUEST_HEADER_MAX_BYTES - 10))
    assert response.status_code == 200


@pytest.mark.parametrize("host", [None, ""])
def test_an_http11_request_without_host_gets_400(api, host):
    extra = {"SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": host}
    if host is None:
        api.defaults.pop("HTTP_HOST", None)
        del extra["HTTP_HOST"]
    response = api.get("/api/users/", **extra)
    assert response.status_code == 400
    assert "must carry a Host header" in response.json()["detail"]


def test_an_http10_request_without_host_is_routed(api):
    api.defaults.pop("HTTP_HOST", None)
    assert api.get("/healthz", SERVER_PROTOCOL="HTTP/1.0").status_code == 200


def test_a_method_in_lower_case_is_not_taken_for_get(api):
    response = api.generic("GET", "/api/users/", REQUEST_METHOD="get")  # as sent on the wire
    assert response.status_code == 400
    assert "methods are case-sensitive" in response.json()["detail"]
