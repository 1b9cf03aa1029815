"""scripts/gate_report.py on small fixture reports: what it shows, and when it fails."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipeline.conftest import ROOT

SCRIPT = ROOT / "scripts" / "gate_report.py"
spec = importlib.util.spec_from_file_location("gate_report", SCRIPT)
gate_report = importlib.util.module_from_spec(spec)
sys.modules["gate_report"] = gate_report  # dataclasses look their module up there
spec.loader.exec_module(gate_report)

DIGEST = "myregistry.azurecr.io/users-api@sha256:" + "ab" * 32


def junit(path: Path, cases: dict[str, str]) -> None:
    """cases: name -> passed | failed | error | skipped."""
    body = []
    for name, outcome in cases.items():
        inner = {
            "passed": "",
            "failed": '<failure message="boom">trace</failure>',
            "error": '<error message="crash"/>',
            "skipped": '<skipped message="why"/>',
        }[outcome]
        body.append(f'<testcase classname="tests.x" name="{name}" time="0.1">{inner}</testcase>')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<?xml version="1.0"?><testsuites><testsuite name="s" tests="'
        f'{len(cases)}">{"".join(body)}</testsuite></testsuites>'
    )


def cobertura(path: Path, lines=(96, 100), branches=(40, 40)) -> None:
    path.write_text(
        f'<?xml version="1.0"?><coverage line-rate="0.96" branch-rate="1" '
        f'lines-covered="{lines[0]}" lines-valid="{lines[1]}" '
        f'branches-covered="{branches[0]}" branches-valid="{branches[1]}"><packages/></coverage>'
    )


def hpa_sample(t, phase, ready):
    """A sample as tests/hpa writes it (tests/hpa/check.py, sample())."""
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
def reports(tmp_path) -> Path:
    r = tmp_path / "reports"
    junit(r / "lint.xml", {"ruff": "passed"})
    junit(r / "unit.xml", {"test_a": "passed", "test_b": "passed", "test_c": "skipped"})
    junit(r / "unit-postgresql.xml", {"test_a": "passed", "test_b": "passed"})
    junit(r / "coverage-tests.xml", {"test_a": "passed"})
    cobertura(r / "coverage.xml")
    junit(r / "contract.xml", {f"case_{i}": "passed" for i in range(5)})
    (r / "contract-stats.json").write_text(
        json.dumps({"inprocess": {"requests": 1466, "seconds": 12.8, "requests_per_second": 114}})
    )
    junit(r / "smoke.xml", {"test_healthz": "passed", "test_create_user": "passed"})
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
    return r


def run(reports: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"TF_BUILD", "GATE_REPORT_EXPECT"}
    }
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--reports", str(reports), *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )


def test_every_section_of_a_passing_report(reports):
    result = run(reports, "--expect", "lint,unit,coverage,contract,smoke,hpa,capacity")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (reports / "gate-report.md").read_text()
    assert "**every expected gate passed.**" in text
    assert "| unit | pass | 4 | 0 | 0 | 1 | `unit-postgresql.xml`, `unit.xml` |" in text
    assert "| hpa-selftest | pass | 1 |" in text  # not mistaken for hpa
    assert "| coverage | pass | 1 |" in text
    assert "97.1% (lines 96/100, branches 40/40; the gate needs 95%)" in text
    assert "`contract.xml`: 5 cases run, 5 passed, 0 failed" in text
    assert "- inprocess: 1466 generated requests checked against the contract in 12.8 s" in text
    assert "- passed: tests.x::test_create_user" in text
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


def test_a_missing_expected_report_is_a_failure_not_a_pass(reports):
    (reports / "smoke.xml").unlink()
    result = run(reports, "--expect", "unit,smoke")
    assert result.returncode == 1
    text = (reports / "gate-report.md").read_text()
    assert "**NOT READY: smoke MISSING.**" in text
    assert "| smoke | **MISSING** |" in text
    assert "- smoke: expected, but no report under reports/" in text
    assert "NOT READY, failing or missing: smoke" in result.stderr


def test_expected_gates_from_the_environment(reports):
    result = run(reports, env={"GATE_REPORT_EXPECT": "unit,image"})
    assert result.returncode == 1
    assert "Expected here: unit, image." in (reports / "gate-report.md").read_text()
    assert "gate report: image          MISSING" in result.stdout


def test_a_failing_test_fails_its_gate(reports):
    junit(reports / "contract-live.xml", {"case_ok": "passed", "case_500": "failed"})
    result = run(reports, "--expect", "contract")
    assert result.returncode == 1
    text = (reports / "gate-report.md").read_text()
    assert "| contract | **FAIL** | 6 | 1 | 0 | 0 |" in text
    assert "- contract: contract-live.xml: 1 failed, 0 errors" in text


def test_a_report_that_ran_no_test_is_a_failure(reports):
    junit(reports / "manifests.xml", {})
    result = run(reports, "--expect", "manifests")
    assert result.returncode == 1
    assert "- manifests: manifests.xml ran no test" in (reports / "gate-report.md").read_text()


def test_an_empty_findings_only_linter_report_is_a_clean_run(reports):
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
    assert "- coverage: coverage 64.3% is under 95%" in (reports / "gate-report.md").read_text()


def test_in_azure_pipelines_it_uploads_the_summary(reports):
    result = run(reports, "--expect", "unit", env={"TF_BUILD": "True"})
    assert result.returncode == 0
    assert f"##vso[task.uploadsummary]{(reports / 'gate-report.md').resolve()}" in result.stdout


def test_collects_the_reports_of_earlier_stages(tmp_path):
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


def test_default_expectation_is_what_ci_runs(tmp_path):
    root = tmp_path / "repo"
    (root / ".ci").mkdir(parents=True)
    gate = "commands = pytest --junitxml=reports/x.xml\n"
    (root / "tox.ini").write_text(
        f"[tox]\nenv_list = lint, unit\n[testenv:lint]\n{gate}[testenv:unit]\n{gate}"
        f"[testenv:smoke]\n{gate}[testenv:serve]\n[testenv:helper]\ncommands = tool --version\n"
        f"[testenv:tool]\ndescription = helper (not a gate)\n{gate}"
    )
    (root / ".ci" / "run").write_text(
        "# python3 toxw -e commented\npython3 toxw\n"
        'DATABASE_URL="$X" python3 toxw -e unit -- -o x\npython3 toxw -e smoke,serve\n'
    )
    tox_list, default = gate_report.tox_gates(root / "tox.ini")
    assert tox_list == ["lint", "unit", "smoke"]
    assert gate_report.ci_gates(root / ".ci" / "run", default) == ["lint", "unit", "smoke"]


def test_image_digest_from_image_json(tmp_path):
    (tmp_path / "image.json").write_text(
        json.dumps({"image": "users-api:abc", "digest": "sha256:1"})
    )
    assert gate_report.read_digest(tmp_path) == "users-api:abc (sha256:1)"


@pytest.mark.parametrize(
    ("stem", "gate"),
    [
        ("unit-postgresql", "unit"),
        ("coverage-tests", "coverage"),
        ("hpa-selftest", "hpa-selftest"),
        ("hpa", "hpa"),
        ("lint-hadolint", "lint"),
        ("trivy", "trivy"),
        ("something", "something"),
    ],
)
def test_report_files_map_to_their_gate(stem, gate):
    assert gate_report.gate_of(stem, gate_report.AGREED_GATES) == gate


def test_hpa_timeline_that_never_scaled():
    timeline = {**HPA_TIMELINE, "passed": False}
    timeline["samples"] = [hpa_sample(0.0, "load", 2), hpa_sample(60.0, "load", 2)]
    summary = gate_report.hpa_summary(timeline)
    assert summary["time_to_scale_s"] is None
    assert summary["max_ready_replicas"] == 2
    assert summary["passed"] is False
