"""Every error example in the committed contract is the body the service really answers with."""

from pathlib import Path

import pytest
import yaml
from django.db import OperationalError

from webapp.api.limits import DEFAULT_MAX_REQUEST_BODY_BYTES
from webapp.users import openapi
from webapp.users.models import User

pytestmark = pytest.mark.django_db

CONTRACT = Path(__file__).resolve().parents[2] / "contract" / "openapi.yaml"


@pytest.fixture(scope="module")
def paths():
    return yaml.safe_load(CONTRACT.read_text())["paths"]


def example(paths, path, method, status, name) -> dict:
    content = paths[path][method]["responses"][status]["content"]["application/json"]
    return content["examples"][name]["value"]


def test_user_already_exists(paths, create):
    create(dni="same")
    body = create(dni="same").json()
    assert body == example(paths, "/api/users/", "post", "400", "UserAlreadyExists")


def test_invalid_field(paths, api):
    body = api.post("/api/users/", {"dni": 102030405, "name": "Ada"}, format="json").json()
    assert body == example(paths, "/api/users/", "post", "400", "InvalidField")


def test_malformed_json(paths, post_raw):
    body = post_raw(b"not JSON").json()
    assert body == example(paths, "/api/users/", "post", "400", "MalformedJSON")


def test_not_acceptable(paths, api):
    body = api.get("/api/users/", HTTP_ACCEPT="application/xml").json()
    assert body == example(paths, "/api/users/", "get", "406", "NotAcceptable")


def test_too_large_quotes_the_default_limit(paths, post_raw, settings):
    settings.MAX_REQUEST_BODY_BYTES = DEFAULT_MAX_REQUEST_BODY_BYTES
    body = post_raw(b" " * (DEFAULT_MAX_REQUEST_BODY_BYTES + 1)).json()
    assert body == example(paths, "/api/users/", "post", "413", "TooLarge")
    assert str(DEFAULT_MAX_REQUEST_BODY_BYTES) in body["detail"]


def test_unsupported_media_type(paths, post_raw):
    body = post_raw(b"x", content_type="text/plain").json()
    assert body == example(paths, "/api/users/", "post", "415", "UnsupportedMediaType")


def test_not_found(paths, api):
    User.objects.create(dni="1", name="one")
    body = api.get("/api/users/999/").json()
    assert body == example(paths, "/api/users/{id}/", "get", "404", "NotFound")


def test_database_unavailable(paths, api, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("webapp.users.selectors.users_page", unavailable)
    body = api.get("/api/users/").json()
    assert body == example(paths, "/api/users/", "get", "503", "DatabaseUnavailable")


def test_the_example_builders_refuse_input_the_service_accepts():
    with pytest.raises(ValueError, match="is valid input"):
        openapi.invalid_input_example({"dni": "1", "name": "Ada"})
    with pytest.raises(ValueError, match="is valid JSON"):
        openapi.malformed_json_example(b"{}")
