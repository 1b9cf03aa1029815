"""DJANGO_ALLOWED_HOSTS holds on every path: a forged Host gets the contract's JSON 400, and only
the probes' paths answer whatever the Host."""

import pytest
import yaml
from django.test import override_settings

from harness.common.paths import CONTRACT
from webapp.api import messages
from webapp.users.models import User

PATHS = [
    ("get", "/api/"),
    ("get", "/api/users/"),
    ("get", "/api/users"),
    ("get", "/api/users/1/"),
    ("post", "/api/users/"),
    ("get", "/api/schema/"),
    ("get", "/api/docs/"),
    ("get", "/nope"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), PATHS)
def test_a_forged_host_gets_400_on_every_path(client, method, path):
    User.objects.create(dni="1", name="one")
    body = {"data": '{"dni": "2", "name": "two"}', "content_type": "application/json"}
    response = getattr(client, method)(
        path, **(body if method == "post" else {}), HTTP_HOST="evil.example"
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": messages.disallowed_host("evil.example")}
    assert User.objects.count() == 1  # nothing created, nothing lost


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/healthz/", "/readyz", "/readyz/"])
def test_the_probes_answer_whatever_the_host(client, path):
    # The kubelet calls them by the pod's IP address, which no overlay can list.
    assert client.get(path, HTTP_HOST="10.244.1.17:8000").status_code == 200


@pytest.mark.django_db
def test_an_allowed_host_is_served(client):
    with override_settings(ALLOWED_HOSTS=["users.example.org"]):
        assert client.get("/api/users/", HTTP_HOST="users.example.org").status_code == 200
        assert client.get("/api/users/", HTTP_HOST="other.example.org").status_code == 400


def test_every_operation_documents_the_400():
    contract = yaml.safe_load(CONTRACT.read_text())
    for path, item in contract["paths"].items():
        for method, operation in item.items():
            if path.startswith("/api/"):
                assert "400" in operation["responses"], f"{method.upper()} {path}"
