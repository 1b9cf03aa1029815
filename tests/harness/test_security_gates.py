"""The vulnerability gates: the pip-audit evaluation (harness/audit.py) and both ignore files."""

import datetime as dt
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from harness import audit as audit_module
from harness.common.paths import ROOT
from harness.pipeline import checks

TODAY = "2026-11-26"


def dep(name, version, vulns=(), skip=None):
    entry = {"name": name, "version": version, "vulns": list(vulns)}
    if skip:
        entry = {"name": name, "skip_reason": skip}
    return entry


def vuln(vid, aliases=(), fixed=("9.9",)):
    return {"id": vid, "aliases": list(aliases), "fix_versions": list(fixed)}


def audit(tmp_path, dependencies, ignores="ignore: []\n"):
    result = tmp_path / "result.json"
    result.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(ignores)
    junit = tmp_path / "audit.xml"
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "harness.audit", "--result", str(result)),
            *("--ignore-file", str(ignore)),
            *("--junit", str(junit), "--today", TODAY),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed, ET.parse(junit).getroot()


ACCEPTED = """ignore:
  - id: GHSA-aaaa-bbbb-cccc
    package: django
    reason: only in the admin, which the service does not install
    expires: 2027-01-31
"""


def test_clean_audit_passes(tmp_path):
    result, junit = audit(tmp_path, [dep("django", "5.2.19"), dep("gunicorn", "27.0.1")])
    assert result.returncode == 0, result.stderr
    assert "2 of 2 packages audited" in result.stdout
    assert [c.get("name") for c in junit.iter("testcase")] == [
        "ignore file",
        "django==5.2.19",
        "gunicorn==27.0.1",
    ]


def test_a_known_vulnerability_fails_with_its_fix(tmp_path):
    result, junit = audit(
        tmp_path, [dep("django", "4.2.0", [vuln("PYSEC-2023-1", fixed=["4.2.1"])])]
    )
    assert result.returncode == 1
    assert "FAIL: django==4.2.0: PYSEC-2023-1 (fixed in: 4.2.1)" in result.stderr
    assert junit.find(".//testcase[@name='django==4.2.0']/failure") is not None


def test_an_accepted_vulnerability_passes_with_its_reason(tmp_path):
    found = [dep("django", "4.2.0", [vuln("PYSEC-2023-1", aliases=["GHSA-aaaa-bbbb-cccc"])])]
    result, _ = audit(tmp_path, found, ACCEPTED)
    assert result.returncode == 0, result.stderr
    assert "PYSEC-2023-1 accepted until 2027-01-31: only in the admin" in result.stdout


def test_an_expired_acceptance_fails(tmp_path):
    found = [dep("django", "4.2.0", [vuln("GHSA-aaaa-bbbb-cccc")])]
    result, _ = audit(tmp_path, found, ACCEPTED.replace("2027-01-31", "2026-11-01"))
    assert result.returncode == 1
    assert "expired on 2026-11-01; fix the vulnerability or renew the entry" in result.stderr
    assert "django==4.2.0: GHSA-aaaa-bbbb-cccc" in result.stderr


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("    reason: only in the admin, which the service does not install\n", ""),
            "missing reason",
        ),
        (("    expires: 2027-01-31\n", ""), "missing expires"),
        (("2027-01-31", "someday"), "expires 'someday' is not YYYY-MM-DD"),
    ],
)
def test_an_unjustified_acceptance_fails(tmp_path, edit, message):
    result, _ = audit(tmp_path, [dep("django", "5.2.19")], ACCEPTED.replace(*edit))
    assert result.returncode == 1
    assert message in result.stderr


def test_an_audit_that_could_not_check_anything_fails(tmp_path):
    # What pip-audit reports, exiting 0, when its vulnerability service cannot be reached.
    reason = "Dependency not found on PyPI and could not be audited: django (5.2.19)"
    result, junit = audit(tmp_path, [dep("django", "5.2.19", skip=reason)])
    assert result.returncode == 1
    assert "1 of 1 packages could not be audited" in result.stderr
    assert "an audit that checked nothing is a failure, not a pass" in result.stderr
    assert "not audited" in junit.find(".//testcase[@name='django==?']/failure").get("message")


def test_committed_pip_audit_ignore_file_is_valid():
    _valid, problems = audit_module.load_ignores(
        ROOT / "security/pip-audit-ignore.yaml", dt.date.today()
    )
    assert problems == []


def test_committed_trivy_ignore_file_is_valid():
    assert checks.check_trivy_ignores(ROOT / "security/trivyignore.yaml", dt.date.today()) == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - id: CVE-2026-1\n    expired_at: 2027-01-01\n", "(CVE-2026-1): missing statement"),
        ("  - id: CVE-2026-1\n    statement: not reachable\n", "missing expired_at"),
        (
            "  - id: CVE-2026-1\n    statement: not reachable\n    expired_at: 2026-01-01\n",
            "expired on 2026-01-01",
        ),
    ],
)
def test_trivy_ignore_entries_need_a_reason_and_an_expiry(copy, entry, message):
    copy.replace("security/trivyignore.yaml", "vulnerabilities: []\n", "vulnerabilities:\n" + entry)
    problems = checks.check_trivy_ignores(
        copy.root / "security/trivyignore.yaml", dt.date.fromisoformat(TODAY)
    )
    assert any(message in p for p in problems), problems
