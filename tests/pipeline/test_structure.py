"""The real pipeline: stage order, environments, gates, JUnit publishing, digest, secrets."""

import pytest

from tests.pipeline import checks
from tests.pipeline.conftest import ROOT
from tests.pipeline.model import load, read_tox, tox_envs_called


def holds(problems: list[str]) -> None:
    """Fail with every problem, one a line, in words a person can act on."""
    assert not problems, "\n".join(["the pipeline breaks its rules:", *problems])


@pytest.fixture(scope="module")
def pipeline():
    return load(ROOT)


@pytest.fixture(scope="module")
def tox():
    return read_tox(ROOT)


def test_stages_in_order_each_blocking_the_next(pipeline):
    holds(checks.check_stage_order(pipeline))


def test_deployments_use_their_environments_and_prd_waits_for_verify_dev(pipeline):
    holds(checks.check_deployments(pipeline))


def test_gate_list_comes_from_tox_ini(tox):
    gates = checks.gates(tox)
    assert {"lint", "unit", "coverage", "contract", "pipeline", "audit"} <= set(gates)
    assert not {"serve", "contract-regenerate", "report", "deploy"} & set(gates)


def test_every_gate_in_tox_ini_runs_in_the_pipeline(pipeline, tox):
    holds(checks.check_gates_invoked(pipeline, tox))


def test_ci_stage_runs_the_issue_gate_list(pipeline):
    ci = pipeline.stage("CI")
    called = [
        tox_envs_called(step.get("script", ""))
        for job in ci["jobs"]
        for step in job["steps"]
        if "script" in step
    ]
    assert ["lint", "unit", "coverage", "contract", "manifests"] in called


def test_every_tox_env_the_pipeline_runs_exists(pipeline, tox):
    holds(checks.check_called_envs_exist(pipeline, tox))


def test_every_script_the_pipeline_runs_exists(pipeline):
    assert checks.check_scripts_exist(pipeline, checks.pending_scripts(ROOT)) == []


def test_every_junit_file_is_published(pipeline, tox):
    holds(checks.check_junit_published(pipeline, tox))


def test_the_digest_built_is_the_digest_deployed_to_dev_and_prd(pipeline):
    holds(checks.check_digest_flow(pipeline))


def test_no_secret_literal_anywhere(pipeline):
    holds(checks.check_no_secret_literals(pipeline))


def test_secrets_only_from_each_environments_variable_group(pipeline):
    holds(checks.check_secrets_from_groups(pipeline))


def test_verify_prd_is_read_only_and_rolls_back_on_failure(pipeline):
    holds(checks.check_rollback(pipeline))


def test_every_template_is_used(pipeline):
    used = {f.resolve() for f in pipeline.files}
    templates = {f.resolve() for f in (ROOT / "pipelines").rglob("*.yml")}
    assert templates - used == set()


def test_readme_pipeline_table_matches_the_pipeline(pipeline, tox):
    readme = (ROOT / "README.md").read_text()
    holds(checks.check_readme_stage_table(pipeline, readme, tox))


def test_unit_also_runs_on_a_postgresql_service_container(pipeline):
    holds(checks.check_postgres_service(pipeline))


def test_multi_line_scripts_stop_at_the_first_failure(pipeline):
    holds(checks.check_scripts_fail_fast(pipeline))


def test_gate_report_expects_every_gate_and_is_published(pipeline, tox):
    holds(checks.check_gate_report(pipeline, tox))


@pytest.mark.parametrize(
    ("command", "envs"),
    [
        ("python3 toxw -e lint,unit", ["lint", "unit"]),
        ("tox -e smoke -- -x", ["smoke"]),
        ('DATABASE_URL="$X" python3 toxw -e unit -- -o a=b', ["unit"]),
        ("python3 toxw -e image --notest # only sets the env up", []),
        ("python3 scripts/deploy.py apply", []),
    ],
)
def test_tox_calls_are_recognised(command, envs):
    assert tox_envs_called(command) == envs
