import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    # With a Host header, as every HTTP/1.1 client sends (Django's test client sends none, and
    # the service refuses an HTTP/1.1 request without one).
    return APIClient(HTTP_HOST="testserver")


@pytest.fixture
def create(api):
    """POST a user and return the response."""

    def _create(dni="0102030405", name="Ada Lovelace", path="/api/users/"):
        return api.post(path, {"dni": dni, "name": name}, format="json")

    return _create


@pytest.fixture
def post_raw(api):
    """POST raw bytes with a content type, as a misbehaving client would."""

    def _post(body: bytes | str, content_type="application/json", path="/api/users/", **extra):
        return api.generic("POST", path, body, content_type=content_type, **extra)

    return _post
