"""Each check fails, with a message a person can act on, on a deliberately broken copy."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.common.paths import ROOT
from harness.pipeline import checks
from harness.pipeline.model import PipelineError, load

MAIN = "azure-pipelines.yml"
DEPLOY = "pipelines/templates/jobs/deploy.yml"
TOX_STEP = "pipelines/templates/steps/tox.yml"
TERRAFORM = "pipelines/templates/stages/terraform.yml"
MANUAL = "condition: and(succeeded(), eq(variables['Build.Reason'], 'Manual'))"


def problems(copy, check):
    return check(load(copy.root))


def assert_reported(found, *fragments):
    text = "\n".join(found)
    for fragment in fragments:
        assert fragment in text, f"expected {fragment!r} in:\n{text}"


def test_the_unbroken_copy_passes_every_check(copy):
    pipeline = load(copy.root)
    for name, check in checks.ALL_CHECKS.items():
        assert check(pipeline) == [], name


def broken_copies() -> dict[str, dict]:
    """The one-edit breakages of broken_copies.yaml, by name."""
    entries = yaml.safe_load((Path(__file__).parent / "broken_copies.yaml").read_text())
    names = [entry["name"] for entry in entries]
    assert len(set(names)) == len(names), f"broken_copies.yaml repeats a name: {names}"
    keys = {"name", "file", "replace", "by", "count", "append", "checks", "reported"}
    for entry in entries:
        unknown = set(entry) - keys
        assert not unknown, f"broken_copies.yaml: {entry['name']} has unknown keys {unknown}"
    return {entry["name"]: entry for entry in entries}


BROKEN_COPIES = broken_copies()


@pytest.mark.parametrize("breakage", BROKEN_COPIES)
def test_a_broken_copy_is_reported(copy, breakage):
    entry = BROKEN_COPIES[breakage]
    if "append" in entry:
        copy.append(entry["file"], entry["append"])
    else:
        copy.replace(entry["file"], entry["replace"], entry["by"], entry.get("count", 1))
    found = [p for name in entry["checks"] for p in problems(copy, getattr(checks, name))]
    assert_reported(found, *entry["reported"])


def test_stages_out_of_order(copy):
    text = (copy.root / MAIN).read_text()
    build = text.index("  - stage: Build")
    dev = text.index("  - stage: DeployDev")
    verify = text.index("  - stage: VerifyDev")
    (copy.root / MAIN).write_text(text[:build] + text[dev:verify] + text[build:dev] + text[verify:])
    assert_reported(
        problems(copy, checks.check_stage_order),
        "stages are ['CI', 'DeployDev', 'Build', 'VerifyDev', 'DeployPrd', 'VerifyPrd']",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "DJANGO_SECRET_KEY: $(DJANGO_SECRET_KEY)",
            "DJANGO_SECRET_KEY: hunter2-is-my-key",
            "DJANGO_SECRET_KEY is set to a literal value",
        ),
        (
            "DATABASE_URL: $(DATABASE_URL)",
            "DATABASE_URL: postgresql://app:s3cret@db.example/users",
            "contains a password in a URL",
        ),
    ],
)
def test_secret_literals(copy, old, new, message):
    copy.replace(DEPLOY, old, new)
    assert_reported(problems(copy, checks.check_no_secret_literals), message)


def test_private_key_in_a_template(copy):
    copy.append(TOX_STEP, "# -----BEGIN RSA PRIVATE KEY-----\n")
    assert_reported(
        problems(copy, checks.check_no_secret_literals),
        f"{TOX_STEP}:",
        "contains a private key",
    )


def test_missing_template(copy):
    (copy.root / "pipelines/templates/steps/setup.yml").unlink()
    with pytest.raises(PipelineError, match=r"template pipelines/templates/steps/setup\.yml"):
        load(copy.root)


def test_missing_script(copy):
    (copy.root / "harness/image/ci_image.sh").unlink()
    found = checks.check_scripts_exist(load(copy.root))
    assert_reported(found, "runs harness/image/ci_image.sh, which does not exist")


def test_schema_validation_rejects_a_typo(copy):
    copy.replace(TOX_STEP, "  - script: python3 toxw", "  - scrpt: python3 toxw")
    result = subprocess.run(
        [sys.executable, "-m", "harness.pipeline.lint", str(copy.root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'scrpt' was unexpected" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("path", "old", "new", "message"),
    [
        (
            MAIN,
            "      dependsOn: [Infra_dev]\n",
            "      dependsOn: [VerifyPrd]\n",
            "stage Infra_prd depends on release stage VerifyPrd: a stage outside the release "
            "chain depends on none of",
        ),
        (
            MAIN,
            "    dependsOn: VerifyDev\n",
            "    dependsOn: [VerifyDev, Infra_prd]\n",
            "release stage DeployPrd depends on Infra_prd, a stage outside the release chain",
        ),
        (
            TERRAFORM,
            MANUAL,
            "condition: succeeded()",
            "stage Infra_shared condition 'succeeded()' does not keep it to manual runs: a stage "
            "outside the release chain needs eq(variables['Build.Reason'], 'Manual')",
        ),
        (
            TERRAFORM,
            MANUAL,
            "condition: or(eq(variables['Build.Reason'], 'Manual'), eq(variables.isMain, 'True'))",
            "stage Infra_shared condition \"or(eq(variables['Build.Reason'], 'Manual'), "
            "eq(variables.isMain, 'True'))\" does not keep it to manual runs",
        ),
        (
            TERRAFORM,
            "    dependsOn: ${{ parameters.dependsOn }}\n",
            "",
            "stage Infra_shared has no dependsOn, so Azure DevOps makes it depend on the stage",
        ),
    ],
    ids=["inside-the-chain", "waited-for", "no-manual-condition", "or-loophole", "no-dependson"],
)
def test_an_infrastructure_stage_in_the_release_chain_is_refused(copy, path, old, new, message):
    copy.replace(path, old, new)
    assert_reported(problems(copy, checks.check_stage_order), message)


def test_the_terraform_steps_inline_scripts_are_checked_too(copy):
    plan = "              inlineScript: |\n"
    copy.replace(TERRAFORM, f"{plan}                set -euo pipefail\n", plan)
    assert_reported(
        problems(copy, checks.check_scripts_fail_fast),
        "stage Infra_shared, job Plan, step 2 runs 2 commands without `set -e`",
    )
