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
        "411",
        "413",
        "415",
        "503",
    }
    assert set(operations["getUser"]["responses"]) == {"200", "404", "406", "503"}
    for op_id, op in operations.items():
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
