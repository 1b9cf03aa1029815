import dj_database_url
import pytest
from django.db.utils import ConnectionHandler
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


@pytest.fixture
def pg_connection():
    """connect(url, deadline=1.0, conn_max_age=0): a connection to URL through webapp.db, the
    service's PostgreSQL backend, outside pytest-django's test database (a throwaway cluster)."""

    def connect(url: str, deadline: float = 1.0, conn_max_age: int = 0):
        settings = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
        options = {"connect_timeout": 2, "client_deadline": deadline}
        settings.update(ENGINE="webapp.db", OPTIONS=options)
        return ConnectionHandler({"default": settings})["default"]

    return connect
