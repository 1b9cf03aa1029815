"""The gate report (python -m harness.report) on small fixture reports: what it shows, and
when it fails."""

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from harness import gates
from harness.common.procs import run_module
from harness.common.reports import hpa_summary, read_digest
from harness.report import build

DIGEST = "myregistry.azurecr.io/users-api@sha256:" + "ab" * 32


def cobertura(path: Path, lines=(96, 100), branches=(40, 40)) -> None:
    path.write_text(
        f'<?xml version="1.0"?><coverage line-rate="0.96" branch-rate="1" '
        f'lines-covered="{lines[0]}" lines-valid="{lines[1]}" '
        f'branches-covered="{branches[0]}" branches-valid="{branches[1]}"><packages/></coverage>'
    )


def hpa_sample(t, phase, ready):
    """A sample as tests/hpa writes it (harness/hpa/check.py, sample())."""
    return {
        "t": t, "phase": phase, "cpu_utilization": 80, "target_utilization": 50,
        "desired_replicas": ready, "current_replicas": ready, "spec_replicas": ready,
        "pods": ready, "ready_replicas": ready, "requests": 100, "request_rate": 50.0,
        "p95_ms": 40.0, "errors": 0, "scaling_limited": None,
    }  # fmt: skip


HPA_TIMELINE = {
    "generated_at": "2026-11-26T10:00:00Z",
    "passed": True,
    "failures": [],
    "checks": [
        {"name": "scale-up", "passed": True, "message": "3 replicas ready at t=75.5s"},
        {"name": "never-above-max", "passed": True, "message": "never exceeded 6"},
    ],
    "hpa": {"name": "users", "min_replicas": 2, "max_replicas": 6, "expect_replicas": 3},
    "phases": [{"name": "load", "start": 0.0, "end": 120.0}],
    "samples": [
        hpa_sample(-0.2, "start", 2),
        hpa_sample(30.0, "load", 2),
        hpa_sample(75.5, "load", 3),
        hpa_sample(110.0, "load", 4),
        hpa_sample(200.0, "cool-down", 2),
    ],
}


@pytest.fixture
def reports(junit, tmp_path) -> Path:
    r = tmp_path / "reports"
    junit(r / "lint.xml", {"ruff": "passed"})
    junit(r / "unit.xml", {"test_a": "passed", "test_b": "passed", "test_c": "skipped"})
    junit(r / "unit-postgresql.xml", {"test_a": "passed", "test_b": "passed"})
    cobertura(r / "coverage.xml")
    cobertura(r / "coverage-harness.xml", lines=(80, 100), branches=(30, 40))
    junit(r / "contract.xml", {f"case_{i}": "passed" for i in range(5)})
    (r / "contract-stats.json").write_text(
        json.dumps({"inprocess": {"requests": 1466, "seconds": 12.8, "requests_per_second": 114}})
    )
    junit(r / "smoke.xml", {"test_healthz": "passed", "test_create_user": "passed"})
    junit(r / "contract-coverage.xml", {"documented getUser 404": "passed"})
    summary = {"documented": 24, "demonstrated": 24, "undeclared": 0, "invalid": 0}
    summary |= {"constraints": 11, "constraints_demonstrated": 11, "unenforced": 0, "lost": 0}
    (r / "contract-coverage.json").write_text(
        json.dumps({"summary": summary, "exchanges": 9000, "gates": ["unit"], "failures": []})
    )
    junit(r / "hpa.xml", {"test_scales": "passed"})
    junit(r / "hpa-selftest.xml", {"test_fake": "passed"})
    (r / "hpa-timeline.json").write_text(json.dumps(HPA_TIMELINE))
    (r / "hpa-timeline.png").write_bytes(b"\x89PNG fixture")
    (r / "hpa-selftest-pass.png").write_bytes(b"\x89PNG fixture")
    (r / "capacity.json").write_text(
        json.dumps(
            {
                "arithmetic": ["peak 120 rps x 9.5 ms CPU/request = 1.14 CPU", "-> 5 replicas"],
                "replicas_needed": 5,
                "max_replicas": 6,
            }
        )
    )
    junit(r / "capacity.xml", {"test_capacity": "passed"})
    (r / "image-digest.txt").write_text(DIGEST + "\n")
    (r / "evidence-verify.json").write_text(
        json.dumps(
            {
                "digest": "sha256:" + "a" * 64,
                "environment": "prd",
                "allowed": False,
                "refusals": ["VerifyDev/hpa: no attestation of VerifyDev/hpa in the evidence"],
                "rows": [
                    {"what": "CI/unit", "result": "PASSED", "signer": "pipeline", "verified": True},
                    {"what": "VerifyDev/hpa", "result": "missing", "why": "no attestation"},
                ],
            }
        )
    )
    return r


def run(reports: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"TF_BUILD", "GATE_REPORT_EXPECT"}
    }
    environment.update(env or {})
    return run_module("harness.report", "--reports", str(reports), *args, env=environment)


def test_every_section_of_a_passing_report(reports):
    result = run(reports, "--expect", "lint,unit,coverage,contract,smoke,hpa,capacity")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (reports / "gate-report.md").read_text()
    assert "**every expected gate passed.**" in text
    assert "| unit | pass | 4 | 0 | 0 | 1 | `unit-postgresql.xml`, `unit.xml` |" in text
    assert "| hpa-selftest | pass | 1 |" in text  # not mistaken for hpa
    assert "| coverage | pass | | | | | `coverage-harness.xml`, `coverage.xml` |" in text
    assert "- webapp/: 97.1% (lines 96/100, branches 40/40; the gate needs 95%)" in text
    assert (
        "- harness/: 78.6% (lines 80/100, branches 30/40; the coverage gate needs 85% over "
        "every gate of .ci/run)" in text
    )
    assert "`contract.xml`: 5 cases run, 5 passed, 0 failed" in text
    assert "- inprocess: 1466 generated requests checked against the contract in 12.8 s" in text
    assert "- passed: tests.x::test_create_user" in text
    assert "over 9000 exchanges recorded by unit:" in text
    assert "- documented responses demonstrated: 24 of 24" in text
    assert "- against main: 0 row(s) lost" in text
    assert (
        "- `hpa-timeline.json`: passed; time to scale to 3 ready replicas: 75.5 s; maximum ready "
        "replicas: 4 (HPA 2 to 6); 5 samples" in text
    )
    assert "  - pass scale-up: 3 replicas ready at t=75.5s" in text
    assert "- plot: [hpa-timeline.png](hpa-timeline.png)" in text
    assert (
        "self-test against the fake API server: [hpa-selftest-pass](hpa-selftest-pass.png)" in text
    )
    assert "peak 120 rps x 9.5 ms CPU/request = 1.14 CPU\n-> 5 replicas" in text
    assert "| replicas_needed | 5 |" in text
    assert f"`{DIGEST}`" in text
    assert "| reliability | not run here |" in text  # every gate shows, run or not
    assert (
        f"From `evidence-verify.json`: REFUSED: `sha256:{'a' * 64}` for prd: VerifyDev/hpa: no "
        "attestation of VerifyDev/hpa in the evidence" in text
    )
    assert "| CI/unit | PASSED | pipeline | yes |\n| VerifyDev/hpa | missing | - | no |" in text


def test_a_missing_expected_report_is_a_failure_not_a_pass(reports):
    (reports / "smoke.xml").unlink()
    (reports / "coverage.xml").unlink()  # a gate with no JUnit that never ran: MISSING too
    (reports / "coverage-harness.xml").unlink()
    result = run(reports, "--expect", "unit,smoke,coverage")
    assert result.returncode == 1
    text = (reports / "gate-report.md").read_text()
    assert "**NOT READY: smoke MISSING, coverage MISSING.**" in text
    assert "| smoke | **MISSING** |" in text
    assert "| coverage | **MISSING** |" in text
    assert "- smoke: expected, but it never ran (no report under reports/)" in text
    assert "NOT READY, failing or missing: smoke, coverage" in result.stderr


def test_expected_gates_from_the_environment(reports):
    result = run(reports, env={"GATE_REPORT_EXPECT": "unit,image"})
    assert result.returncode == 1
    assert "Expected here: unit, image." in (reports / "gate-report.md").read_text()
    assert "gate report: image          MISSING" in result.stdout


def test_a_failing_test_fails_its_gate(junit, reports):
    junit(reports / "contract-live.xml", {"case_ok": "passed", "case_500": "failed"})
    result = run(reports, "--expect", "contract")
    assert result.returncode == 1
    text = (reports / "gate-report.md").read_text()
    assert "| contract | **FAIL** | 6 | 1 | 0 | 0 |" in text
    assert "- contract: contract-live.xml: 1 failed, 0 errors" in text


def test_a_report_that_ran_no_test_is_a_failure(junit, reports):
    junit(reports / "manifests.xml", {})
    result = run(reports, "--expect", "manifests")
    assert result.returncode == 1
    assert "- manifests: manifests.xml ran no test" in (reports / "gate-report.md").read_text()


def test_an_empty_findings_only_linter_report_is_a_clean_run(junit, reports):
    # hadolint's JUnit lists findings only: none means a clean Dockerfile. The ruff report beside
    # it still has to hold a test case.
    junit(reports / "lint.xml", {"No errors found": "passed"})
    junit(reports / "lint-hadolint.xml", {})
    result = run(reports, "--expect", "lint")
    assert result.returncode == 0, result.stdout
    junit(reports / "lint.xml", {})
    assert run(reports, "--expect", "lint").returncode == 1


def test_without_a_digest_the_locally_built_image_is_named(reports):
    (reports / "image-digest.txt").unlink(missing_ok=True)
    (reports / "image-figures.json").write_text(
        json.dumps({"build": {"id": "ab" * 32, "size_mb": 249.4, "revision": "c0ffee"}})
    )
    run(reports, "--expect", "unit")
    text = (reports / "gate-report.md").read_text()
    assert "No image digest (reports/image-digest.txt)." in text
    assert f"not pushed: image id `sha256:{'ab' * 32}`, 249.4 MB, revision `c0ffee`" in text


def test_coverage_under_the_threshold_fails(reports):
    cobertura(reports / "coverage.xml", lines=(80, 100), branches=(10, 40))
    result = run(reports, "--expect", "coverage")
    assert result.returncode == 1
    assert (
        "- coverage: webapp/ coverage 64.3% is under 95%"
        in (reports / "gate-report.md").read_text()
    )


def test_in_azure_pipelines_it_uploads_the_summary(reports):
    result = run(reports, "--expect", "unit", env={"TF_BUILD": "True"})
    assert result.returncode == 0
    assert f"##vso[task.uploadsummary]{(reports / 'gate-report.md').resolve()}" in result.stdout


def test_collects_the_reports_of_earlier_stages(junit, tmp_path):
    workspace = tmp_path / "workspace"
    junit(workspace / "reports-ci-gates" / "unit.xml", {"t": "passed"})
    junit(workspace / "reports-build" / "image.xml", {"t": "passed", "u": "failed"})
    (workspace / "reports-build" / "image-digest.txt").write_text(DIGEST)
    reports = tmp_path / "reports"
    junit(reports / "smoke.xml", {"t": "passed"})
    result = run(reports, "--collect", str(workspace), "--expect", "unit,image,smoke")
    assert result.returncode == 1
    assert "collected reports-build, reports-ci-gates" in result.stdout
    text = (reports / "gate-report.md").read_text()
    assert "| unit | pass | 1 | 0 | 0 | 0 | `reports-ci-gates/unit.xml` |" in text
    assert "- image: reports-build/image.xml: 1 failed, 0 errors" in text
    assert f"`{DIGEST}`" in text
    # the job publishes its own reports, not copies of the artifacts it collected
    assert (reports / ".artifactignore").read_text() == "/reports-build/\n/reports-ci-gates/\n"
    run(reports, "--collect", str(workspace), "--expect", "unit,image,smoke")
    assert (reports / ".artifactignore").read_text().count("/reports-build/") == 1


def test_expected_gates_come_from_the_registry():
    ci = build.expected_gates("ci")
    assert ci[: len(gates.default_envs())] == gates.default_envs()
    assert {"reliability", "image", "capacity", "manifests"} <= set(ci)
    assert not {"audit", "trivy", "hpa"} & set(ci)  # not run by .ci/run, and the registry says why
    assert build.expected_gates("pipeline") == [g.name for g in gates.GATES if g.stages]
    assert build.expected_gates("default") == gates.default_envs()
    assert build.expected_gates("unit, smoke") == ["unit", "smoke"]


def test_image_digest_from_image_json(tmp_path):
    (tmp_path / "image.json").write_text(
        json.dumps({"image": "users-api:abc", "digest": "sha256:1"})
    )
    assert read_digest(tmp_path) == "users-api:abc (sha256:1)"


@pytest.mark.parametrize(
    ("stem", "gate"),
    [
        ("unit-postgresql", "unit"),
        ("hpa-selftest", "hpa-selftest"),
        ("hpa", "hpa"),
        ("lint-hadolint", "lint"),
        ("trivy", "trivy"),
        ("something", "something"),
        ("contract-live", "contract"),
    ],
)
def test_report_files_map_to_their_gate(stem, gate):
    assert gates.gate_of(stem) == gate


def test_hpa_timeline_that_never_scaled():
    timeline = {**HPA_TIMELINE, "passed": False}
    timeline["samples"] = [hpa_sample(0.0, "load", 2), hpa_sample(60.0, "load", 2)]
    summary = hpa_summary(timeline)
    assert summary["time_to_scale_s"] is None
    assert summary["max_ready_replicas"] == 2
    assert summary["passed"] is False


def changelog(**extra) -> dict:
    """A changelog as harness/contract/changelog.py writes it."""
    return {
        "title": "What changes for consumers if this release is approved",
        "base": "https://users.example.org/api/schema/",
        "head": "contract/openapi.yaml (working tree)",
        "summary": {"breaking": 1, "deprecation": 1, "non-breaking": 2, "annotation": 0}
        | {"waived": 1, "blocking": 0},
        "waiver_problems": [],
        "endpoints": [
            {
                "endpoint": "GET /api/users/{id}/",
                "changes": [
                    {
                        "rule": "response-property-removed",
                        "severity": "breaking",
                        "text": "200 response (application/json): response field 'nick' was "
                        "removed",
                        "waiver": {"expires": "2099-01-31", "entry": "waivers.yaml entry 1"},
                    },
                    {"rule": "response-property-added", "severity": "non-breaking", "text": "x"},
                ],
            },
            {
                "endpoint": "GET /api/users/",
                "changes": [
                    {
                        "rule": "operation-deprecated",
                        "severity": "deprecation",
                        "text": "deprecated (sunset 2099-06-30)",
                    },
                    {"rule": "parameter-added-optional", "severity": "non-breaking", "text": "y"},
                ],
            },
        ],
    } | extra


def test_the_contract_changelog_shows_what_changes_for_consumers(reports):
    (reports / "contract-changelog.json").write_text(json.dumps(changelog()))
    (reports / "contract-changelog.md").write_text("# What changes\n")
    result = run(reports, "--expect", "lint")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (reports / "gate-report.md").read_text()
    section = text.split("## Contract changes for consumers\n\n", 1)[1].split("\n## ")[0]
    assert section.splitlines() == [
        "**What changes for consumers if this release is approved**: from "
        "`https://users.example.org/api/schema/` to `contract/openapi.yaml (working tree)` "
        "(`contract-changelog.json`, [contract-changelog.md](contract-changelog.md)).",
        "",
        "- 1 breaking, 1 deprecation (1 waived, 0 blocking), 2 non-breaking, 0 annotation",
        "- **breaking** `response-property-removed` GET /api/users/{id}/: 200 response "
        "(application/json): response field 'nick' was removed (waived until 2099-01-31: "
        "waivers.yaml entry 1)",
        "- **deprecation** `operation-deprecated` GET /api/users/: deprecated (sunset 2099-06-30)",
        "",
    ]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (changelog(endpoints=[]), "- no difference: consumers see the same contract"),
        (
            changelog(endpoints=[], base_error="GET https://prd/api/schema/ failed: timed out"),
            "- **nothing compared, the base could not be read**: GET https://prd/api/schema/ "
            "failed: timed out",
        ),
        (
            changelog(waiver_problems=["waivers.yaml entry 2 (x): missing approved_by"]),
            "- **waiver: waivers.yaml entry 2 (x): missing approved_by**",
        ),
    ],
)
def test_the_changelog_section_says_when_there_is_nothing_to_show(reports, data, line):
    (reports / "contract-changelog.json").write_text(json.dumps(data))
    run(reports, "--expect", "lint")
    assert line in (reports / "gate-report.md").read_text()


def test_without_a_changelog_the_section_says_who_writes_it(reports):
    run(reports, "--expect", "lint")
    assert (
        "No contract changelog (reports/contract-changelog.json"
        in (reports / "gate-report.md").read_text()
    )


def test_every_active_waiver_is_listed_with_its_days_left(reports):
    expires = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=12)
    row = {
        "kind": "contract",
        "entry": "contract/waivers.yaml entry 1 (response-property-removed GET /x/ nick)",
        "reason": "nobody reads it",
        "approved_by": "Release Managers",
        "expires": expires.isoformat(),
        "days_left": 99,  # written days ago: the report counts from today
    }
    (reports / "harness-waivers.json").write_text(
        json.dumps({"waivers": [row], "problems": ["trivyignore.yaml entry 1 (CVE-1): expired"]})
    )
    run(reports, "--expect", "lint")
    text = (reports / "gate-report.md").read_text()
    assert (
        "| contract | contract/waivers.yaml entry 1 (response-property-removed GET /x/ nick) | "
        f"nobody reads it | Release Managers | {expires} | 12 |"
    ) in text
    assert "- **trivyignore.yaml entry 1 (CVE-1): expired**" in text


def test_no_waiver_and_no_waivers_report_are_told_apart(reports):
    run(reports, "--expect", "lint")
    assert (
        "No waivers report (reports/harness-waivers.json"
        in (reports / "gate-report.md").read_text()
    )
    (reports / "harness-waivers.json").write_text(json.dumps({"waivers": [], "problems": []}))
    run(reports, "--expect", "lint")
    assert (
        "No active waiver in security/pip-audit-ignore.yaml"
        in (reports / "gate-report.md").read_text()
    )
