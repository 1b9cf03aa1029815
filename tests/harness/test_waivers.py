"""The one waiver checker (harness/common/waivers.py) over its three files, and its summary.

The committed files are checked here (the harness gate, so in .ci/run and CI): every entry has
its keys and is unexpired. The summary of every active waiver goes to reports/harness-waivers.json,
which the gate report lists with the days left. What a contract waiver matches is the contract
gate's (tests/contract/test_breaking.py).
"""

import datetime as dt
import json

import pytest

from harness.common import waivers
from harness.common.paths import REPORTS, ROOT
from harness.common.procs import run_module

TODAY = dt.date(2026, 11, 26)

CONTRACT_ENTRY = """waivers:
  - rule: response-property-removed
    operation: GET /api/users/{id}/
    field: name
    reason: the back office stopped reading it in its release 4.2
    approved_by: Release Managers
    expires: 2026-12-31
"""


def write(tmp_path, text, name="waivers.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_committed_waiver_files_are_valid_and_listed_for_the_gate_report():
    today = dt.datetime.now(dt.UTC).date()
    data = waivers.summary(today)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "harness-waivers.json").write_text(json.dumps(data, indent=2) + "\n")
    assert data["problems"] == []
    assert {spec.relpath for spec in waivers.FILES} == {
        "security/pip-audit-ignore.yaml",
        "security/trivyignore.yaml",
        "contract/waivers.yaml",
    }
    for spec in waivers.FILES:
        assert (ROOT / spec.relpath).is_file(), spec.relpath


def test_the_contract_waiver_file_ships_empty():
    found, problems = waivers.read(waivers.CONTRACT, TODAY)
    assert (found, problems) == ([], [])


def test_a_valid_contract_waiver_is_read_with_its_days_left(tmp_path):
    found, problems = waivers.read(waivers.CONTRACT, TODAY, write(tmp_path, CONTRACT_ENTRY))
    assert problems == []
    [waiver] = found
    assert (
        waiver.where == "waivers.yaml entry 1 (response-property-removed GET /api/users/{id}/ name)"
    )
    assert waiver.expires == dt.date(2026, 12, 31)
    assert waiver.days_left(TODAY) == 35


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("    approved_by: Release Managers\n", ""), "missing approved_by"),
        (("    expires: 2026-12-31\n", ""), "missing expires"),
        (
            ("    reason: the back office stopped reading it in its release 4.2\n", ""),
            "missing reason",
        ),
        (
            ("    approved_by: Release Managers\n    expires: 2026-12-31\n", ""),
            "missing approved_by, expires",
        ),
        (("2026-12-31", "2026-11-25"), "expired on 2026-11-25; keep the old behaviour, or renew"),
        (("2026-12-31", "end of year"), "expires 'end of year' is not YYYY-MM-DD"),
    ],
)
def test_a_contract_waiver_without_reason_approver_or_a_valid_expiry_fails(tmp_path, edit, message):
    found, problems = waivers.read(
        waivers.CONTRACT, TODAY, write(tmp_path, CONTRACT_ENTRY.replace(*edit))
    )
    assert found == []
    [problem] = problems
    assert problem.startswith("waivers.yaml entry 1 (response-property-removed GET /api/users/")
    assert message in problem


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no `waivers:` list"),
        ("waivers: {rule: x}\n", "`waivers` is not a list"),
        ("- rule: x\n", "not a mapping of waivers"),
        ("waivers: [\n", "not YAML"),
        ("waivers:\n  - just a word\n", "entry 1 (not a mapping): not a mapping"),
    ],
)
def test_a_malformed_waiver_file_fails(tmp_path, text, message):
    _found, problems = waivers.read(waivers.CONTRACT, TODAY, write(tmp_path, text))
    assert any(message in p for p in problems), problems


def test_the_summary_lists_every_active_waiver_of_the_three_files(tmp_path):
    (tmp_path / "security").mkdir()
    (tmp_path / "contract").mkdir()
    (tmp_path / "security/pip-audit-ignore.yaml").write_text(
        "ignore:\n  - id: GHSA-1\n    package: django\n    reason: admin only\n"
        "    expires: 2027-01-31\n"
    )
    (tmp_path / "security/trivyignore.yaml").write_text(
        "vulnerabilities:\n  - id: CVE-1\n    statement: not reachable\n"
        "    expired_at: 2026-11-26\n"
        "secrets:\n  - id: aws-key\n    statement: a test fixture\n    expired_at: 2026-01-01\n"
    )
    (tmp_path / "contract/waivers.yaml").write_text(CONTRACT_ENTRY)
    data = waivers.summary(TODAY, tmp_path)
    rows = {(r["kind"], r["days_left"], r["approved_by"]) for r in data["waivers"]}
    assert rows == {
        ("pip-audit", 66, ""),
        ("Trivy", 0, ""),
        ("contract", 35, "Release Managers"),
    }
    assert data["problems"] == ["trivyignore.yaml secrets entry 1 (aws-key): expired on 2026-01-01"]


def run(*args):
    return run_module("harness.common.waivers", *args)


def test_the_command_prints_the_active_waivers_and_writes_the_summary(tmp_path):
    result = run("--json", str(tmp_path / "w.json"))
    assert result.returncode == 0, result.stderr
    assert "active in security/pip-audit-ignore.yaml" in result.stdout
    assert json.loads((tmp_path / "w.json").read_text())["problems"] == []


def test_the_command_fails_on_a_waiver_without_an_approver(tmp_path):
    (tmp_path / "contract").mkdir()
    (tmp_path / "contract/waivers.yaml").write_text(
        CONTRACT_ENTRY.replace("    approved_by: Release Managers\n", "")
    )
    result = run("--root", str(tmp_path), "--today", TODAY.isoformat())
    assert result.returncode == 1
    assert "FAIL: waivers.yaml entry 1 (response-property-removed" in result.stderr
    assert "missing approved_by" in result.stderr
    assert "pip-audit-ignore.yaml: cannot be read" in result.stderr
