"""The real azure-pipelines.yml, compiled for each trigger and walked without running a step
(--dry-run): every step is rehearsed, skipped by its condition, or listed with its reason."""

import json

import pytest

from harness.rehearse import tasks
from harness.rehearse.__main__ import main

NOT_REHEARSED_ON_MAIN = {
    "CI/Audit #3": "gate audit",
    "Build/Image #8": "gate trivy",
    "Build/Image #10": tasks.REGISTRY,
    "Build/Image #11": tasks.REGISTRY,
    "Build/Image #14": "a secure file (the evidence signing key)",
    "Build/Image #15": tasks.EVIDENCE,
    "DeployDev/Deploy #4": tasks.EVIDENCE,
    "DeployDev/Deploy #5": tasks.EVIDENCE,
    "DeployDev/Deploy #6": tasks.CLUSTER,
    "DeployDev/Deploy #7": tasks.CLUSTER,
    "VerifyDev/Verify #3": tasks.CLUSTER,
    "VerifyDev/Verify #8": "gate hpa: needs a Kubernetes cluster",
    "VerifyDev/Verify #10": tasks.PRD,
    "VerifyPrd/Verify #6": "prd:",
}


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    code = main(["--dry-run", "--reports", str(reports)])
    data = json.loads((reports / "rehearsal.json").read_text())
    steps = {
        trigger: {f"{s['stage']}/{s['job']} #{s['number']}": s for s in run["steps"]}
        for trigger, run in data.items()
    }
    return code, steps, (reports / "rehearsal.md").read_text()


def test_every_step_is_accounted_for_on_both_triggers(walked):
    code, steps, _text = walked
    assert code == 0
    for trigger in ("main", "pr"):
        assert {s["status"] for s in steps[trigger].values()} <= {
            "succeeded",
            "skipped",
            "not rehearsed",
        }


def test_main_lists_what_needs_azure_with_its_reason(walked):
    _code, steps, text = walked
    for where, reason in NOT_REHEARSED_ON_MAIN.items():
        assert steps["main"][where]["status"] == "not rehearsed", where
        assert reason in steps["main"][where]["detail"], where
    assert steps["main"]["Build/Image #4"]["command"] == "python3 toxw -e image"
    assert steps["main"]["Infra_dev/Plan #1"]["status"] == "skipped"
    assert "### Not rehearsed (main)" in text


def test_a_pull_request_neither_pushes_nor_deploys(walked):
    _code, steps, _text = walked
    pr = steps["pr"]
    for where in ("Build/Image #10", "Build/Image #11", "Build/Image #12"):
        assert pr[where]["status"] == "skipped", where
    assert {s["status"] for k, s in pr.items() if k.startswith(("DeployDev", "VerifyDev"))} == {
        "skipped"
    }
    assert pr["CI/Gates #3"]["status"] == "succeeded"
