"""Each check fails, with a message a person can act on, on a deliberately broken copy."""

import subprocess
import sys

import pytest

from tests.pipeline import checks
from tests.pipeline.conftest import ROOT
from tests.pipeline.model import PipelineError, load, read_tox

MAIN = "azure-pipelines.yml"
DEPLOY = "pipelines/templates/jobs/deploy.yml"
TOX_STEP = "pipelines/templates/steps/tox.yml"


def problems(copy, check):
    pipeline = load(copy.root)
    if check in (checks.check_gates_invoked, checks.check_junit_published):
        return check(pipeline, read_tox(copy.root))
    return check(pipeline)


def assert_reported(found, *fragments):
    text = "\n".join(found)
    for fragment in fragments:
        assert fragment in text, f"expected {fragment!r} in:\n{text}"


def test_the_unbroken_copy_passes_every_check(copy):
    pipeline = load(copy.root)
    tox = read_tox(copy.root)
    for check in checks.ALL_CHECKS.values():
        assert check(pipeline) == []
    assert checks.check_gates_invoked(pipeline, tox) == []
    assert checks.check_junit_published(pipeline, tox) == []


def test_prd_depending_on_deploy_dev_instead_of_verify_dev(copy):
    copy.replace(MAIN, "dependsOn: VerifyDev", "dependsOn: DeployDev")
    found = problems(copy, checks.check_stage_order) + problems(copy, checks.check_deployments)
    assert_reported(
        found,
        "stage DeployPrd dependsOn ['DeployDev'], expected ['VerifyDev']",
        "stage DeployPrd does not depend on VerifyDev",
    )


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


def test_a_stage_that_runs_after_a_failure(copy):
    copy.replace(
        MAIN,
        "    dependsOn: DeployDev\n    condition: succeeded()",
        "    dependsOn: DeployDev\n    condition: always()",
    )
    assert_reported(
        problems(copy, checks.check_stage_order),
        "stage VerifyDev condition 'always()' lets it run when an earlier stage failed",
    )


def test_prd_deployment_on_the_dev_environment(copy):
    copy.replace(MAIN, "environment: users-prd", "environment: users-dev")
    assert_reported(
        problems(copy, checks.check_deployments),
        "stage DeployPrd: deployment Deploy uses environment 'users-dev', expected 'users-prd'",
    )


def test_a_gate_in_tox_ini_that_the_pipeline_never_runs(copy):
    copy.append(
        "tox.ini",
        "\n[testenv:newgate]\ndescription = a new gate\n"
        "commands = pytest --junitxml={tox_root}/reports/newgate.xml\n",
    )
    assert_reported(
        problems(copy, checks.check_gates_invoked),
        "gate 'newgate' (tox.ini) is never run by the pipeline",
    )


def test_a_tool_env_is_not_a_gate(copy):
    copy.append(
        "tox.ini",
        "\n[testenv:helper]\ndescription = a helper (not a gate)\n"
        "commands = pytest --junitxml=reports/h.xml\n"
        "\n[testenv:scanner]\ndescription = a tool other gates call\ncommands = tool --version\n",
    )
    assert problems(copy, checks.check_gates_invoked) == []


def test_junit_file_without_a_publish_step(copy):
    copy.replace(MAIN, "                reports/manifests.xml\n", "")
    assert_reported(
        problems(copy, checks.check_junit_published),
        "job Gates, step 3 writes reports/manifests.xml but no later PublishTestResults",
    )


def test_junit_published_only_when_the_gate_passed(copy):
    copy.replace(TOX_STEP, "condition: succeededOrFailed()", "condition: succeeded()")
    assert_reported(
        problems(copy, checks.check_junit_published),
        "reports/unit.xml is published only when the gate passed",
    )


def test_coverage_without_its_cobertura_upload(copy):
    copy.replace(MAIN, "summaryFileLocation: reports/coverage.xml", "summaryFileLocation: x.txt")
    assert_reported(
        problems(copy, checks.check_junit_published),
        "runs coverage but no later PublishCodeCoverageResults publishes reports/coverage.xml",
    )


def test_prd_deploying_something_else_than_the_recorded_digest(copy):
    copy.replace(
        DEPLOY,
        "--image-file $(Pipeline.Workspace)/image/image-digest.txt",
        "--image-file ${{ parameters.overlay }}.txt",
    )
    assert_reported(
        problems(copy, checks.check_digest_flow),
        "stage DeployPrd deploys prd.txt, not the digest recorded by Build",
        "dev and prd deploy different images",
    )


def test_rebuilding_after_build(copy):
    copy.replace(
        MAIN,
        "          - script: python3 toxw -e deploy -- rollback",
        "          - script: bash scripts/ci_image.sh build\n"
        "          - script: python3 toxw -e deploy -- rollback",
    )
    assert_reported(
        problems(copy, checks.check_digest_flow),
        "stage VerifyPrd, job Verify, step 6 builds an image after Build",
    )


def test_digest_not_recorded(copy):
    copy.replace(MAIN, "              artifact: image\n", "              artifact: img\n")
    assert_reported(
        problems(copy, checks.check_digest_flow),
        "Build does not record the image digest as artifact 'image'",
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


def test_secret_variable_defined_in_yaml(copy):
    copy.replace(
        MAIN,
        "  - name: FAIL_ON_SKIP",
        '  - name: ACR_PASSWORD\n    value: "correct-horse"\n  - name: FAIL_ON_SKIP',
    )
    assert_reported(
        problems(copy, checks.check_no_secret_literals),
        "variable ACR_PASSWORD is set in YAML; secrets come only from the environment's variable",
    )


def test_private_key_in_a_template(copy):
    copy.append(TOX_STEP, "# -----BEGIN RSA PRIVATE KEY-----\n")
    assert_reported(
        problems(copy, checks.check_no_secret_literals),
        f"{TOX_STEP}:",
        "contains a private key",
    )


def test_prd_using_the_dev_variable_group(copy):
    copy.replace(MAIN, "variableGroup: users-api-prd", "variableGroup: users-api-dev")
    assert_reported(
        problems(copy, checks.check_secrets_from_groups),
        "stage DeployPrd, job Deploy uses variable groups ['users-api-dev'], expected only "
        "'users-api-prd'",
    )


def test_no_rollback_when_prd_smoke_fails(copy):
    copy.replace(MAIN, "            condition: failed()\n", "")
    assert_reported(
        problems(copy, checks.check_rollback),
        "has no rollback step with condition failed() after smoke",
    )


def test_prd_smoke_not_read_only(copy):
    copy.replace(MAIN, '          - name: SMOKE_READONLY\n            value: "1"\n', "")
    assert_reported(problems(copy, checks.check_rollback), "runs smoke without SMOKE_READONLY=1")


def test_missing_template(copy):
    (copy.root / "pipelines/templates/steps/setup.yml").unlink()
    with pytest.raises(PipelineError, match=r"template pipelines/templates/steps/setup\.yml"):
        load(copy.root)


def test_missing_script(copy):
    (copy.root / "scripts/ci_image.sh").unlink()
    found = checks.check_scripts_exist(load(copy.root), set())
    assert_reported(found, "runs scripts/ci_image.sh, which does not exist")


def test_schema_validation_rejects_a_typo(copy):
    copy.replace(TOX_STEP, "  - script: python3 toxw", "  - scrpt: python3 toxw")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/lint_pipeline.py"), str(copy.root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'scrpt' was unexpected" in result.stdout + result.stderr


def test_readme_table_out_of_date(copy):
    readme = (
        (ROOT / "README.md")
        .read_text()
        .replace("`smoke`, `contract` (`-k live`", "`smoke` (`-k live`")
    )
    found = checks.check_readme_stage_table(load(copy.root), readme, read_tox(copy.root))
    assert_reported(
        found,
        "README says stage VerifyDev runs ['hpa', 'report', 'smoke'], the pipeline runs "
        "['contract', 'hpa', 'report', 'smoke']",
    )


def test_unit_not_run_on_the_postgresql_service(copy):
    copy.replace(MAIN, "      image: postgres:16\n", "      image: mysql:8\n")
    assert_reported(
        problems(copy, checks.check_postgres_service),
        "no CI job runs the unit gate with DATABASE_URL on a PostgreSQL service container",
    )


def test_secret_in_a_script_the_pipeline_runs(copy):
    copy.append("scripts/ci_image.sh", "# docker login -p x https://ci:Sup3rS3cret@acr.example\n")
    assert_reported(
        problems(copy, checks.check_no_secret_literals),
        "scripts/ci_image.sh:",
        "contains a password in a URL",
    )


def test_multi_line_script_without_set_e(copy):
    copy.replace("pipelines/templates/steps/image-checks.yml", "      set -euo pipefail\n", "")
    assert_reported(
        problems(copy, checks.check_scripts_fail_fast),
        "stage Build, job Image, step 4 runs 7 commands without `set -e`",
    )


def test_gate_report_that_forgets_a_gate(copy):
    copy.replace(MAIN, "hpa-selftest,audit,image", "hpa-selftest,image")
    found = checks.check_gate_report(load(copy.root), read_tox(copy.root))
    assert_reported(found, "the gate report does not expect 'audit', so a missing audit report")


def test_gate_report_not_published(copy):
    copy.replace(MAIN, "targetPath: reports/gate-report.md", "targetPath: reports/other.md")
    found = checks.check_gate_report(load(copy.root), read_tox(copy.root))
    assert_reported(found, "the gate report is not published as an artifact")
