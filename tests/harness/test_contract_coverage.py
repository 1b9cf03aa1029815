"""The contract-coverage gate on recorded exchanges written as the gates write them.

Each test records exchanges with the real recorder into a reports folder of its own, runs the
gate's command on them against the real contract (or a copy broken on purpose), and reads its
verdict, its JSON and its JUnit.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import yaml

from harness.common.paths import CONTRACT
from harness.contract.coverage import __main__ as gate
from harness.contract.coverage import spec
from harness.testing import exchanges

RUN = "20261202T000000Z-test00"
USER = {"id": 1, "dni": "0102030405", "name": "Ada Lovelace"}
J = "application/json"


def user_json(**changes) -> bytes:
    return json.dumps({**USER, **changes}).encode()


def detail(text: str = "x", **more) -> bytes:
    return json.dumps({"detail": text, **more}).encode()


def post(name: str | None = "Ada", dni="0102030405", status=400, body=None):
    payload = {k: v for k, v in {"dni": dni, "name": name}.items() if v is not None}
    return (
        "POST",
        "/api/users/",
        status,
        {"Content-Type": J, **({"Location": "/api/users/1/"} if status == 201 else {})},
        body if body is not None else (user_json() if status == 201 else detail()),
        J,
        json.dumps(payload),
    )


def everything() -> list[tuple]:
    """One exchange per documented response of the real contract, and one per constraint."""
    ex = []
    for op in spec.load().operations:
        path = op.path.replace("{id}", "1")
        for status in op.responses:
            headers = {"Content-Type": J}
            if status == "503":
                headers["Retry-After"] = "5"
            body = detail()
            if status == "200":
                body = {
                    "listUsers": json.dumps([USER]).encode(),
                    "getUser": user_json(),
                    "getApiRoot": json.dumps({"users": "http://x/api/users/"}).encode(),
                }.get(op.id, json.dumps({"status": "ok"}).encode())
            if op.method == "HEAD":
                body = b""  # the GET's headers, Content-Type included, and no body
            if op.method == "POST":
                sent = post(status=int(status))
                ex.append((*sent[:3], {**sent[3], **headers}, *sent[4:]))
            else:
                ex.append((op.method, path, int(status), headers, body, None, None))
    ex += [post(name=""), post(name=" "), post(name="x" * 31), post(name=None), post(name=7)]
    ex += [post(dni=""), post(dni=" "), post(dni="x" * 14), post(dni=None), post(dni=7)]
    ex.append(("POST", "/api/users/", 400, {"Content-Type": J}, detail(), J, "[1]"))
    return ex


def record(tmp_path, items, env="unit"):
    reports = tmp_path / "reports"
    recorder = exchanges.Recorder(env, RUN, reports)
    for item in items:
        recorder.record(*item, source="test")
    return reports


def run(reports, capsys, *extra, contract=CONTRACT):
    code = gate.main(["--reports", str(reports), "--run", RUN, "--contract", str(contract), *extra])
    out = capsys.readouterr().out
    return code, out, json.loads((reports / "contract-coverage.json").read_text())


def test_everything_demonstrated_passes(tmp_path, capsys):
    reports = record(tmp_path, everything())
    code, out, data = run(reports, capsys)
    assert code == 0, out
    s = data["summary"]
    assert s["documented"] == s["demonstrated"] > 20
    assert s["constraints"] == s["constraints_demonstrated"] == 11
    assert s["undeclared"] == s["invalid"] == s["unenforced"] == 0
    assert "against main: no baseline (--baseline FILE); nothing compared" in out
    assert "contract coverage PASSED" in out
    row = next(
        r for r in data["documented"] if r["operation"] == "createUser" and r["status"] == "415"
    )
    [test] = row["seen_by"]["unit"]
    assert test.endswith("test_contract_coverage.py::test_everything_demonstrated_passes")
    suite = ET.parse(reports / "contract-coverage.xml").getroot().find("testsuite")
    assert suite.get("failures") == "0"
    assert int(suite.get("tests")) == s["documented"] + 11 + 1


def test_a_documented_status_no_test_produces_fails(tmp_path, capsys):
    broken = yaml.safe_load(CONTRACT.read_text())
    broken["paths"]["/api/users/{id}/"]["get"]["responses"]["409"] = {
        "description": "conflict",
        "content": {J: {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    contract = tmp_path / "openapi.yaml"
    contract.write_text(yaml.safe_dump(broken))
    code, out, data = run(record(tmp_path, everything()), capsys, contract=contract)
    assert code == 1
    assert (
        "FAIL getUser (GET /api/users/{id}/): no test saw the documented 409 application/json"
        in out
    )
    assert data["summary"]["demonstrated"] == data["summary"]["documented"] - 1


def test_an_undocumented_status_fails(tmp_path, capsys):
    items = [
        *everything(),
        ("GET", "/api/users/1/", 418, {"Content-Type": J}, detail(), None, None),
    ]
    code, out, data = run(record(tmp_path, items), capsys)
    assert code == 1
    assert data["undeclared"][0] | {"seen_by": None} == {
        "method": "GET",
        "path": "/api/users/{id}/",
        "status": "418",
        "media_type": J,
        "seen_by": None,
        "count": 1,
    }
    assert "GET /api/users/{id}/ answered 418 application/json, which the contract does not" in out


def test_an_html_error_page_is_an_undocumented_media_type(tmp_path, capsys):
    page = b"<html><body>Request Line is too large</body></html>"
    items = [
        *everything(),
        ("GET", "/api/users/1/", 404, {"Content-Type": "text/html"}, page, None, None),
    ]
    code, out, _ = run(record(tmp_path, items), capsys)
    assert code == 1
    assert "answered 404 text/html, which the contract does not document" in out


def test_a_body_that_breaks_its_schema_fails(tmp_path, capsys):
    items = [
        *everything(),
        ("GET", "/api/users/1/", 200, {"Content-Type": J}, user_json(id="1"), None, None),
    ]
    code, out, data = run(record(tmp_path, items), capsys)
    assert code == 1
    assert "getUser 200 breaks the contract" in out
    assert "is not of type 'integer'" in data["invalid"][0]["reason"]


def test_a_constraint_no_test_breaks_fails(tmp_path, capsys):
    items = [e for e in everything() if '"name": "' + "x" * 31 not in (e[6] or "")]
    code, out, data = run(record(tmp_path, items), capsys)
    assert code == 1
    assert "FAIL createUser: no request broke name's maxLength and got the documented 400" in out
    assert data["summary"]["constraints_demonstrated"] == 10


def test_a_breach_the_service_accepts_fails_with_ecma_whitespace(tmp_path, capsys):
    # U+FEFF is whitespace to ECMA-262 (the contract's reading), not to Python's str.strip()
    items = [*everything(), post(name="\ufeff", status=201)]
    code, out, data = run(record(tmp_path, items), capsys)
    assert code == 1
    assert "createUser accepted (201) a body that breaks name's pattern" in out
    assert data["unenforced"][0]["keyword"] == "pattern"


def test_requests_outside_the_contract_need_the_error_shape(tmp_path, capsys):
    outside = [
        ("DELETE", "/api/users/1/", 405, {"Content-Type": J, "Allow": "GET"}, detail(), None, None),
        ("GET", "/nope", 404, {"Content-Type": J}, detail(), None, None),
        ("PUT", "/api/users/", 405, {"Content-Type": J}, detail(), None, None),  # no Allow
        ("?", "?", 400, {"Content-Type": "text/html"}, b"<html>", None, None),
        ("GET", "/nope", 404, {"Content-Type": J}, detail(), None, None),  # counted, not merged
    ]
    code, out, data = run(record(tmp_path, [*everything(), *outside]), capsys)
    assert code == 1
    assert data["summary"]["not_declared"] == 5
    assert data["summary"]["not_declared_wrong_shape"] == 2
    assert "PUT /api/users/ (not in the contract): a 405 without an Allow header" in out
    assert "? ? (not in the contract): answered text/html, not JSON" in out
    assert data["summary"]["undeclared"] == 0  # counted apart, not as undocumented responses


def test_docs_and_tests_that_break_the_service_are_counted_apart(tmp_path, capsys):
    reports = record(
        tmp_path,
        [
            *everything(),
            ("GET", "/api/docs/", 200, {"Content-Type": "text/html"}, b"<html>", None, None),
        ],
    )
    exchanges.broken_on_purpose = True
    try:
        recorder = exchanges.Recorder("unit", RUN, reports)
        recorder.record("GET", "/api/users/", 500, {"Content-Type": J}, detail("boom"))
    finally:
        exchanges.broken_on_purpose = False
    code, out, data = run(reports, capsys)
    assert code == 0, out
    assert data["summary"]["docs"] == 1
    assert data["summary"]["broken_on_purpose"] == 1


def test_what_the_server_could_not_parse_is_outside_every_operation(tmp_path, capsys):
    # The server's own refusal (no body, no media type) of a request whose line names getUser:
    # counted apart, not as an undocumented response of getUser.
    refused = ("GET", "/api/users/1/", 400, {"Connection": "close"}, b"", None, None)
    code, out, data = run(record(tmp_path, [*everything(), refused]), capsys)
    assert code == 0, out
    assert data["summary"]["transport"] == 1
    assert data["summary"]["undeclared"] == 0
    assert "answered by it at the transport level (outside every operation): 1" in out
    # Broken copy: a 4xx of the service without a body is still an undocumented response.
    typed = ("GET", "/api/users/1/", 418, {"Content-Type": J}, b"", None, None)
    code, out, data = run(record(tmp_path / "typed", [*everything(), typed]), capsys)
    assert code == 1
    assert data["summary"]["transport"] == 0


def test_a_head_answer_is_judged_by_its_status_and_headers_not_its_media_type(tmp_path, capsys):
    code, out, data = run(record(tmp_path, everything()), capsys)
    assert code == 0, out
    heads = [r for r in data["documented"] if r["operation"].endswith("Head")]
    assert heads, "the contract documents HEAD operations"
    assert all(r["seen_by"] and r["media_type"] == "" for r in heads)
    # Broken copy: a HEAD answer with a body is not what the contract documents.
    with_body = ("HEAD", "/api/users/1/", 200, {"Content-Type": J}, user_json(), None, None)
    code, out, data = run(record(tmp_path / "body", [*everything(), with_body]), capsys)
    assert code == 1, out
    assert any(r["operation"] == "getUserHead" for r in data["invalid"]), data["invalid"]


def test_coverage_lost_against_a_baseline_fails(tmp_path, capsys):
    code, _, full = run(record(tmp_path / "main", everything()), capsys)
    assert code == 0
    baseline = tmp_path / "main.json"
    baseline.write_text(json.dumps(full))
    items = [e for e in everything() if not (e[0] == "POST" and e[2] == 413)]
    code, out, data = run(record(tmp_path / "branch", items), capsys, "--baseline", str(baseline))
    assert code == 1
    assert data["baseline"]["lost"] == [
        {"kind": "documented", "operation": "createUser", "status": "413", "media_type": J}
    ]
    assert (
        "FAIL createUser: 413 application/json was demonstrated on the baseline and is not now"
        in out
    )
    assert "against main: 1 row(s) demonstrated there and not here" in out


def test_no_evidence_says_what_to_run(tmp_path, capsys):
    code = gate.main(["--reports", str(tmp_path), "--run", RUN])
    assert code == 1
    assert "no recorded exchanges" in capsys.readouterr().out


def test_an_exclusion_needs_a_reason(tmp_path, monkeypatch):
    from harness.contract.coverage import result

    path = tmp_path / "x.yaml"
    path.write_text(
        "exclusions:\n  - documented: {operation: getUser, status: '404', media_type: x}\n"
    )
    with pytest.raises(
        result.ExclusionError, match="needs one of documented, constraint and a reason"
    ):
        result.load_exclusions(path)
    path.write_text(
        "exclusions:\n  - constraint: {operation: a, property: b, keyword: c}\n    reason: why\n"
    )
    assert result.load_exclusions(path) == {("constraint", "a", "b", "c"): "why"}


def test_the_committed_exclusions_are_none():
    from harness.contract.coverage import result

    assert result.load_exclusions() == {}


def test_raw_exchanges_are_parsed_and_a_half_written_line_is_named(tmp_path, capsys):
    reports = record(tmp_path, everything())
    recorder = exchanges.Recorder("reliability", RUN, reports)
    exchanges._recorder = recorder
    try:
        exchanges.record_raw(
            b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
            404,
            {"content-type": "application/json"},
            b'{"detail": "Not found."}',
        )
    finally:
        exchanges.stop()
    with recorder.path.open("a") as out:
        out.write('{"half": ')
    code, out, data = run(reports, capsys)
    assert code == 0, out
    assert data["not_declared"][0]["paths"] == ["/nope"]
    assert data["unreadable"] == [f"{recorder.path.name}:2"]
    assert "a half-written line was skipped" in out


def test_a_baseline_that_is_not_there_yet_compares_nothing(tmp_path, capsys):
    missing = tmp_path / "contract-coverage-main" / "contract-coverage.json"
    code, out, data = run(record(tmp_path, everything()), capsys, "--baseline", str(missing))
    assert code == 0, out
    assert f"no baseline at {missing}" in out
    assert data["baseline"] is None


def test_an_artifact_collected_beside_its_own_reports_is_read_once(tmp_path, capsys):
    reports = record(tmp_path, everything())
    [own] = (reports / "exchanges" / RUN).glob("*.jsonl")
    copy = reports / "reports-ci-gates" / "exchanges" / RUN / own.name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(own.read_bytes())
    code, out, data = run(reports, capsys)
    assert code == 0, out
    assert data["exchanges"] == len(everything())
    assert len(data["files"]) == 1


def test_a_test_marked_not_the_service_records_nothing(tmp_path, monkeypatch):
    """The mock server's answers are Prism's, not the service's: no evidence, no finding."""
    recorder = exchanges.start("contract", tmp_path)
    try:
        monkeypatch.setattr(exchanges, "paused", True)
        exchanges.record("GET", "http://127.0.0.1:4010/api/nothing/", 404, {}, b"{}")
        exchanges.record_raw(b"GET /x HTTP/1.1\r\n\r\n", 404, {}, b"{}")
        assert recorder.count == 0
        monkeypatch.setattr(exchanges, "paused", False)
        exchanges.record("GET", "http://127.0.0.1:8000/healthz", 200, {}, b"{}")
        assert recorder.count == 1
    finally:
        exchanges.stop()
