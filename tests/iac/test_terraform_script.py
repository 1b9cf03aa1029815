"""The pipeline's Terraform script (harness/iac/ci_terraform.sh), against a terraform and an az
test double that record each call: an environment is planned in the one environment root with its
own values and backend files, a root of its own without them; plan saves what apply applies,
apply applies only that plan with the provider versions it was made with, and the pinned
Terraform is one every root accepts."""

import os
import re
import subprocess

import pytest

from harness.common.paths import ROOT
from harness.iac.tree import literal
from harness.testing.shellcheck import shellcheck

SCRIPT = "harness/iac/ci_terraform.sh"
FAKE_TERRAFORM = r"""#!/usr/bin/env bash
echo "terraform $*" >>"$FAKE_LOG"
dir=.
[[ $1 == -chdir=* ]] && { dir=${1#-chdir=}; shift; }
case $1 in
  version) echo '{"terraform_version": "1.15.9"}' ;;
  init) touch "$dir/.terraform.lock.hcl"; echo "subscription=$ARM_SUBSCRIPTION_ID" >>"$FAKE_LOG" ;;
  plan)
    for arg; do [[ $arg == -out=* ]] && echo plan >"${arg#-out=}"; done
    exit "${FAKE_PLAN_EXIT:-2}" ;;
  show) echo "Plan: 3 to add, 0 to change, 0 to destroy." ;;
  output) echo 'cluster_name = "aks-users-api-dev"' ;;
esac
"""
FAKE_AZ = """#!/usr/bin/env bash
echo "az $*" >>"$FAKE_LOG"
echo 00000000-0000-0000-0000-000000000001
"""


@pytest.fixture
def run(copy, tmp_path):
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    for name, text in (("terraform", FAKE_TERRAFORM), ("az", FAKE_AZ)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "calls.log"

    def run(*args, **env):
        environ = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        environ |= {"FAKE_LOG": str(log), **env}
        environ.pop("ARM_SUBSCRIPTION_ID", None)
        result = subprocess.run(
            ["bash", str(copy.root / SCRIPT), *args], capture_output=True, text=True, env=environ
        )
        calls = log.read_text() if log.exists() else ""
        return result, calls

    return run


ENVIRONMENTS = "infra/terraform/environment"


def test_plan_saves_the_plan_its_text_and_the_provider_versions(run, tmp_path):
    out = tmp_path / "plan"
    result, calls = run("plan", "dev", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f"terraform -chdir={ENVIRONMENTS} init -input=false -no-color -reconfigure "
        "-backend-config=dev.backend.hcl\n"
    ) in calls
    assert f"-detailed-exitcode -var-file=dev.tfvars -out={out}/dev.tfplan" in calls
    assert "subscription=00000000-0000-0000-0000-000000000001" in calls  # from az, not a secret
    assert sorted(p.name for p in out.iterdir()) == [
        "dev.changes",
        "dev.plan.txt",
        "dev.terraform.lock.hcl",
        "dev.tfplan",
    ]
    assert (out / "dev.changes").read_text().strip() == "true"
    assert "##vso[task.setvariable variable=changes;isOutput=true]true" in result.stdout


def test_each_environment_gets_its_own_values_and_state_and_shared_neither(run, tmp_path):
    _, calls = run("plan", "prd", str(tmp_path / "prd"))
    assert "-reconfigure -backend-config=prd.backend.hcl\n" in calls
    assert f"-var-file=prd.tfvars -out={tmp_path}/prd/prd.tfplan" in calls
    assert "dev." not in calls
    _, calls = run("plan", "shared", str(tmp_path / "shared"))
    shared = calls.split("terraform -chdir=infra/terraform/shared ", 1)[1]
    assert "init -input=false -no-color\n" in shared
    assert "-backend-config" not in shared
    assert "-var-file" not in shared


def test_a_plan_without_changes_says_so(run, tmp_path):
    result, _ = run("plan", "prd", str(tmp_path / "plan"), FAKE_PLAN_EXIT="0")
    assert result.returncode == 0, result.stderr
    assert "variable=changes;isOutput=true]false" in result.stdout


def test_a_failed_plan_fails(run, tmp_path):
    result, _ = run("plan", "dev", str(tmp_path / "plan"), FAKE_PLAN_EXIT="1")
    assert result.returncode == 1
    assert "terraform: plan of dev failed (exit 1)" in result.stdout


def test_apply_applies_the_saved_plan_with_its_provider_versions(run, copy, tmp_path):
    out = tmp_path / "plan"
    run("plan", "dev", str(out))
    (out / "dev.terraform.lock.hcl").write_text("# the plan's providers\n")
    result, calls = run("apply", "dev", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    lock = copy.root / ENVIRONMENTS / ".terraform.lock.hcl"
    assert lock.read_text() == "# the plan's providers\n"
    assert (
        "init -input=false -no-color -lockfile=readonly -reconfigure "
        "-backend-config=dev.backend.hcl" in calls
    )
    # The saved plan holds dev's values: apply takes no -var-file.
    assert f"terraform -chdir={ENVIRONMENTS} apply -input=false -no-color {out}/dev.tfplan\n" in (
        calls
    )
    assert 'cluster_name = "aks-users-api-dev"' in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("plan", "staging", "x"),
            "staging is neither a root of infra/terraform nor an environment",
        ),
        (("plan", "environment", "x"), "environment is neither a root"),
        (("apply", "dev", "."), "no saved plan"),
        (("deploy",), "usage:"),
    ],
)
def test_wrong_arguments_are_refused(run, args, message):
    result, _ = run(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_install_keeps_the_pinned_terraform_it_finds(run):
    result, calls = run("install")
    assert result.returncode == 0, result.stderr
    assert "Terraform 1.15.9 is installed" in result.stdout
    assert "sudo" not in calls


def _admits(constraint: str, version: str) -> bool:
    """Whether a `>= A, < B` required_version admits a version."""
    parts = tuple(int(n) for n in version.split("."))
    for clause in constraint.split(","):
        op, bound = re.match(r"\s*(>=|<=|>|<|=)?\s*([\d.]+)", clause).groups()
        bound = tuple(int(n) for n in bound.split("."))
        ok = {">=": parts >= bound, "<=": parts <= bound, ">": parts > bound, "<": parts < bound}
        if not ok.get(op or "=", parts == bound):
            return False
    return True


def test_the_pinned_terraform_is_one_every_root_and_module_accepts(tree):
    pinned = re.search(r"^TERRAFORM_VERSION=(\S+)", (ROOT / SCRIPT).read_text(), re.M).group(1)
    constraints = {
        str(c.path.relative_to(ROOT)): literal(block.body["required_version"])
        for c in tree.configs.values()
        for block in c.of_kind("terraform")
        if "required_version" in block.body
    }
    assert sorted(constraints) == [
        "infra/terraform/environment",
        "infra/terraform/modules/environment",
        "infra/terraform/shared",
    ]
    for where, constraint in constraints.items():
        assert _admits(constraint, pinned), f"{where} requires {constraint}, the pipeline {pinned}"
    assert not _admits(">= 1.11.0, < 2.0.0", "1.10.5")


def test_shellcheck_finds_nothing():
    assert shellcheck(ROOT / SCRIPT) is None
