"""The published contract: served at /api/schema/, equal to contract/openapi.yaml; docs offline."""

from pathlib import Path

import pytest
import yaml

CONTRACT = Path(__file__).resolve().parents[2] / "contract" / "openapi.yaml"


@pytest.fixture(scope="module")
def committed():
    return yaml.safe_load(CONTRACT.read_text())


def test_served_schema_equals_committed_contract(api, committed):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content) == committed


def test_every_operation_has_an_id_and_documents_its_errors(committed):
    operations = {
        op["operationId"]: op for item in committed["paths"].values() for op in item.values()
    }
    assert set(operations) >= {"createUser", "listUsers", "getUser", "getApiRoot"}
    assert set(operations["createUser"]["responses"]) == {
        "201",
        "400",
        "406",
        "413",
        "414",
        "415",
        "431",
        "503",
    }
    assert set(operations["getUser"]["responses"]) == {
        "200",
        "400",
        "404",
        "406",
        "414",
        "431",
        "503",
    }
    for op_id, op in operations.items():
        # the service answers these before routing, so on every operation
        assert {"400", "414", "431"} <= set(op["responses"]), op_id
        if op_id.endswith("Head"):  # GET's statuses without a body (tests/unit/test_head.py)
            assert all("content" not in response for response in op["responses"].values())
            continue
        examples = op["responses"]["400"]["content"]["application/json"]["examples"]
        assert "MalformedRequest" in examples, op_id
        for code, response in op["responses"].items():
            assert response.get("description"), f"{op_id} {code} has no description"
            assert response["content"]["application/json"].get("examples"), f"{op_id} {code}"


def test_create_links_to_get(committed):
    created = committed["paths"]["/api/users/"]["post"]["responses"]["201"]
    assert created["links"]["GetCreatedUser"]["operationId"] == "getUser"
    assert "Location" in created["headers"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_local_assets_only(api, path):
    response = api.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html
    assert "https://" not in html.replace("https://github.com", "")
    assert "/static/drf_spectacular_sidecar/" in html


def test_every_text_field_description_states_its_own_limits():
    """The words beside a limit are written from it: no description may contradict maxLength."""
    document = yaml.safe_load(CONTRACT.read_text())
    checked = 0
    for schema in document["components"]["schemas"].values():
        for name, field in (schema.get("properties") or {}).items():
            if "maxLength" in field:
                limits = f"{field['minLength']} to {field['maxLength']} characters"
                assert limits in field["description"], (name, field["description"])
                checked += 1
    assert checked >= 4  # dni and name, in the input and the output schema


def test_a_changed_limit_changes_its_description():
    from webapp.users.serializers import _text_schema

    assert "1 to 40 characters" in _text_schema(40, "Full name: ", "Ada")["description"]
