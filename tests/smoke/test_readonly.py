"""Read-only checks: safe against production, they change nothing."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from harness.smoke.client import (
    CONTRACT,
    differences,
    excerpt,
    expect,
    json_body,
    what_differs,
)

# The largest id the API accepts: it is valid, and no deployment will ever have reached it.
UNKNOWN_ID = 2**63 - 1


@pytest.fixture(scope="module")
def contract() -> dict:
    return yaml.safe_load(CONTRACT.read_text())


def test_liveness(client):
    response = client.get("/healthz")
    expect(response, response.status_code == 200, "200 from the liveness probe")
    body = json_body(response, '{"status": "ok"}')
    expect(response, body == {"status": "ok"}, 'body {"status": "ok"}')


def test_readiness(client):
    response = client.get("/readyz")
    expect(response, response.status_code == 200, "200: database reachable, no migration pending")
    body = json_body(response, '{"status": "ok"}')
    expect(response, body == {"status": "ok"}, 'body {"status": "ok"}')


def test_api_root_links_to_users(client):
    response = client.get("/api/")
    expect(response, response.status_code == 200, "200 from the API root")
    body = json_body(response, 'an object {"users": URL}')
    users = body.get("users") if isinstance(body, dict) else None
    expect(
        response,
        isinstance(users, str) and urlsplit(users).path == "/api/users/",
        'an object whose "users" link points at /api/users/',
    )


def test_served_schema_equals_committed_contract(client, contract):
    response = client.get("/api/schema/")
    expect(response, response.status_code == 200, "200 with the OpenAPI document")
    try:
        served = yaml.safe_load(response.content)
    except yaml.YAMLError as exc:
        expect(response, False, f"a YAML OpenAPI document (it does not parse: {exc})")
    expect(response, isinstance(served, dict), "a YAML OpenAPI document (a mapping)")
    if served == contract:
        return
    found = differences(served, contract)
    parts = what_differs(served, contract)
    shown = "\n".join(f"    {line}" for line in found[:25])
    more = f"\n    ... and {len(found) - 25} more" if len(found) > 25 else ""
    expect(
        response,
        False,
        "the served schema to equal the committed contract/openapi.yaml; this deployment runs "
        "a different contract.\n"
        f"  What differs: {'; '.join(parts)}\n"
        f"  {len(found)} difference(s), served vs committed:\n{shown}{more}",
    )


def test_list_users_is_an_array_of_users(client):
    response = client.get("/api/users/")
    expect(response, response.status_code == 200, "200 with the list of users")
    body = json_body(response, "a JSON array of users")
    expect(response, isinstance(body, list), "a JSON array")
    bad = [
        item for item in body if not (isinstance(item, dict) and set(item) == {"id", "dni", "name"})
    ]
    expect(response, not bad, f'every item an object {{"id", "dni", "name"}}; not: {bad[:3]}')


def test_unknown_user_gives_the_contract_404(client, contract):
    examples = contract["paths"]["/api/users/{id}/"]["get"]["responses"]["404"]["content"][
        "application/json"
    ]["examples"]
    documented = next(iter(examples.values()))["value"]
    response = client.get(f"/api/users/{UNKNOWN_ID}/")
    expect(
        response,
        response.status_code == 404,
        f"404 with the contract's body {documented} for an id no user has",
    )
    expect(response, json_body(response, str(documented)) == documented, f"body {documented}")


ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"'#]+)["']""")


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_page_and_its_assets_load(client, path):
    page = client.get(path)
    expect(page, page.status_code == 200, "200 with the documentation page")
    expect(page, "text/html" in page.headers.get("Content-Type", ""), "an HTML page")
    base = urlsplit(page.url)
    assets = sorted({urljoin(page.url, ref) for ref in ASSET.findall(page.text)})
    expect(page, bool(assets), "a page that references its scripts and styles")
    for asset in assets:
        where = urlsplit(asset)
        expect(
            page,
            (where.scheme, where.netloc) == (base.scheme, base.netloc),
            f"every asset served by the deployment itself, not {asset}",
        )
        response = client.get(asset)
        expect(
            response,
            response.status_code == 200 and len(response.content) > 0,
            f"200 with content for an asset of {path} (page excerpt: {excerpt(page.text, 120)})",
        )
