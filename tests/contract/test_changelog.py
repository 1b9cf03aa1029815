"""The contract changelog (python -m harness.contract.changelog): every change between two
versions, grouped by endpoint, each with its rule id, severity and a sentence for consumers; the
versions read from a file, a git ref or a URL serving the schema."""

import copy
import datetime as dt
import http.server
import json
import threading
from pathlib import Path

import pytest
import yaml

from harness.common.procs import run_module
from harness.contract import changelog
from harness.contract.settings import ROOT
from harness.testing.live_server import LiveServer

BASE = yaml.safe_load((Path(__file__).parent / "fixtures" / "openapi-base.yaml").read_text())
TODAY = dt.date(2026, 11, 26)
EMPTY_WAIVERS = ROOT / "contract" / "waivers.yaml"


def edited(edit):
    new = copy.deepcopy(BASE)
    edit(new)
    return new


def remove_name_add_email(d):
    user = d["components"]["schemas"]["User"]
    user["properties"].pop("name")
    user["required"].remove("name")
    d["components"]["schemas"]["UserInputRequest"]["properties"]["email"] = {"type": "string"}


def build(new, old=BASE, waivers=EMPTY_WAIVERS):
    base, head = changelog.Version("base.yaml", old), changelog.Version("head.yaml", new)
    return changelog.build(base, head, TODAY, waivers)


def test_every_change_is_listed_under_its_endpoint_with_its_rule_and_meaning():
    data, verdict = build(edited(remove_name_add_email))
    text = changelog.markdown(data)
    assert data["summary"] == {
        "breaking": 3,
        "deprecation": 0,
        "non-breaking": 1,
        "annotation": 0,
        "waived": 0,
        "blocking": 3,
    }
    assert [g["endpoint"] for g in data["endpoints"]] == [
        "GET /api/users/",
        "POST /api/users/",
        "GET /api/users/{id}/",
    ]
    assert "**3 breaking, 0 deprecation, 1 non-breaking, 0 annotation.**" in text
    detail = text.split("## GET /api/users/{id}/\n\n", 1)[1]
    assert detail.startswith(
        "- **breaking** `response-property-removed`: 200 response (application/json): response "
        "field 'name' was removed. Clients that read this field no longer get it.\n"
    )
    post = text.split("## POST /api/users/\n\n", 1)[1].split("\n## ")[0]
    assert (
        "- **non-breaking** `request-property-added-optional`: request body (application/json): "
        "new optional request field 'email'. A new optional field clients may send."
    ) in post
    row = data["endpoints"][2]["changes"][0]
    assert row["rule"] == "response-property-removed"
    assert row["severity"] == "breaking"
    assert row["field"] == "name"
    assert [c.rule for c in verdict.blocking] == ["response-property-removed"] * 3


def test_no_difference_says_so():
    data, verdict = build(copy.deepcopy(BASE))
    assert data["endpoints"] == []
    assert "No difference: consumers see the same contract." in changelog.markdown(data)
    assert verdict.passed


def test_a_waived_break_names_its_waiver(tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - rule: response-property-removed\n    operation: GET /api/users/\n"
        "    field: name\n    reason: nobody lists users by name\n"
        "    approved_by: Release Managers\n    expires: 2026-12-31\n"
    )
    data, _ = build(edited(remove_name_add_email), waivers=waivers)
    assert data["summary"]["waived"] == 1
    assert data["summary"]["blocking"] == 2
    text = changelog.markdown(data)
    assert (
        "Waived until 2026-12-31 (35 days left), approved by Release Managers: nobody lists "
        "users by name (waivers.yaml entry 1 (response-property-removed GET /api/users/ name))."
    ) in text


def test_a_failing_waiver_is_listed_in_the_changelog(tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - rule: path-removed\n    operation: /nowhere/\n")
    data, _ = build(edited(remove_name_add_email), waivers=waivers)
    assert data["waiver_problems"] == [
        "waivers.yaml entry 1 (path-removed /nowhere/): missing reason, approved_by, expires"
    ]
    assert "## Waivers that fail" in changelog.markdown(data)


def run(*args, cwd=ROOT):
    return run_module("harness.contract.changelog", *args, cwd=cwd)


def test_the_command_compares_two_files_and_writes_markdown_and_json(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.json"
    old.write_text(yaml.safe_dump(BASE))
    new.write_text(json.dumps(edited(remove_name_add_email)))
    out = tmp_path / "out"
    result = run("--base", str(old), "--head", str(new), "--output-dir", str(out))
    assert result.returncode == 0, result.stderr
    assert "3 breaking, 0 deprecation, 1 non-breaking, 0 annotation" in result.stdout
    data = json.loads((out / "contract-changelog.json").read_text())
    assert data["base"] == str(old)
    assert (out / "contract-changelog.md").read_text().startswith("# Contract changelog\n")


def test_the_command_reads_a_git_ref(tmp_path):
    result = run("--base", "HEAD", "--output-dir", str(tmp_path), "--title", "What changes")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "contract-changelog.json").read_text())
    assert data["base"].startswith("HEAD (")
    assert data["head"] == "contract/openapi.yaml (working tree)"
    assert data["title"] == "What changes"


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("no-such-ref-for-the-changelog", "is not a file nor an http(s) URL, and as a git ref"),
        ("README.md", "README.md is neither YAML nor JSON"),
        ("{tmp}/other.yaml", "other.yaml is not an OpenAPI document (no `openapi` key)"),
    ],
)
def test_a_version_that_cannot_be_read_fails_in_words(tmp_path, base, message):
    (tmp_path / "other.yaml").write_text("swagger: '2.0'\n")
    result = run("--base", base.format(tmp=tmp_path), "--output-dir", str(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "contract-changelog.md").exists()


class Schema(http.server.BaseHTTPRequestHandler):
    documents: dict = {}  # path -> (content type, body)

    def do_GET(self):
        content_type, body = self.documents.get(self.path, ("application/json", None))
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        self.wfile.write(body or b'{"detail": "Not found."}')

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Schema)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_url_without_a_path_is_read_at_api_schema_in_yaml_or_json(server, tmp_path):
    Schema.documents = {
        "/api/schema/": ("application/vnd.oai.openapi", yaml.safe_dump(BASE).encode()),
        "/v2/schema.json": ("application/json", json.dumps(BASE).encode()),
    }
    assert changelog.load(server).document == BASE
    assert changelog.load(server + "/").label == server + "/api/schema/"
    assert changelog.load(server + "/v2/schema.json").document == BASE
    result = run("--base", server + "/missing/", "--output-dir", str(tmp_path))
    assert result.returncode == 2
    assert f"GET {server}/missing/ answered 404" in result.stderr
    assert not (tmp_path / "contract-changelog.md").exists()


def test_a_base_that_cannot_be_read_may_be_noted_instead(server, tmp_path):
    """The pipeline's reading of prd: before prd's first release there is nothing to read."""
    Schema.documents = {}
    result = run("--base", server, "--missing-base-ok", "--output-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "contract-changelog.json").read_text())
    assert data["base_error"] == f"GET {server}/api/schema/ answered 404 Not Found"
    assert data["endpoints"] == []
    assert (
        f"**Nothing compared: the base could not be read.** GET {server}/api/schema/ answered "
        "404 Not Found."
    ) in (tmp_path / "contract-changelog.md").read_text()


def test_the_schema_a_running_service_serves_is_the_committed_contract(tmp_path):
    with LiveServer(workers=1) as service:
        result = run("--base", service.url, "--output-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "contract-changelog.json").read_text())
    assert data["base"] == f"{service.url}/api/schema/"
    assert data["endpoints"] == [], data["endpoints"]
