"""The runner on small pipelines: steps in order with an agent's variables, conditions, the
tasks' equivalents, stop at the first failure, and every step rehearsed or listed."""

from harness.rehearse import tasks

from .conftest import JUNIT, stand_in

PASSING = f"""
stages:
  - stage: CI
    jobs:
      - job: Gates
        steps:
          - checkout: self
            fetchDepth: "0"
          - script: |
              set -e
              mkdir -p reports
              printf '%s' '{JUNIT}' > reports/x.xml
              test "$IMAGE_NAME" = usersapiregistry.azurecr.io/users-api
              test "$BUILD_SOURCEBRANCH" = "$(Build.SourceBranch)"
              test "$TF_BUILD" = True
            displayName: write a report
          - task: PublishTestResults@2
            condition: succeededOrFailed()
            inputs:
              testResultsFiles: reports/x.xml
          - task: PublishPipelineArtifact@1
            inputs: {{targetPath: reports, artifact: reports-ci}}
  - stage: Build
    dependsOn: CI
    jobs:
      - job: Image
        steps:
          - download: current
            artifact: reports-ci
          - script: test -f "$(Pipeline.Workspace)/reports-ci/x.xml"
            displayName: read the artifact
          - script: bash harness/image/ci_image.sh push
            displayName: push
            condition: and(succeeded(), eq(variables.isMain, 'True'))
"""


def failing(repo, pipeline: str) -> dict:
    """The steps of PIPELINE rehearsed for main, which must fail."""
    passed, steps = repo.commit(pipeline).rehearse("main")
    assert not passed, "the rehearsal passed"
    return steps


def after_checkout(steps: str) -> str:
    """The passing pipeline with STEPS (YAML lines) right after its checkout."""
    checkout = '            fetchDepth: "0"\n'
    return PASSING.replace(checkout, checkout + steps, 1)


def test_a_small_pipeline_runs_for_main(repo):
    passed, steps = repo.commit(PASSING).rehearse("main")
    assert passed, {k: (r.status, r.detail) for k, r in steps.items()}
    assert [r.status for r in steps.values()] == [
        "succeeded",
        "succeeded",
        "succeeded",
        "succeeded",
        "succeeded",
        "succeeded",
        "not rehearsed",
    ]
    assert steps["Build 3"].detail.startswith(tasks.REGISTRY)
    assert steps["CI 2"].exit_code == 0


def test_a_pull_request_skips_the_push_by_its_condition(repo):
    passed, steps = repo.commit(PASSING).rehearse("pr")
    assert passed
    assert steps["Build 3"].status == "skipped"
    assert "eq(variables.isMain, 'True')" in steps["Build 3"].detail


def test_a_step_calling_a_tox_env_that_does_not_exist(repo):
    broken = after_checkout(
        "          - template: pipelines/templates/steps/tox.yml\n"
        "            parameters: {env: nosuchenv, junit: reports/nosuchenv.xml}\n"
    )
    steps = failing(repo, broken)
    step = steps["CI 2"]
    assert step.status == "failed"
    assert step.exit_code not in (0, None)
    assert "nosuchenv" in "\n".join(step.output)
    # Like an agent: the publish step (succeededOrFailed) still runs, and fails for its file.
    assert steps["CI 3"].status == "failed"
    assert "reports/nosuchenv.xml matches no file" in steps["CI 3"].detail
    assert steps["CI 4"].status == "skipped"  # the next step's succeeded() is false
    assert steps["Build 1"].status == "not reached"


def test_a_publish_step_whose_report_nobody_writes(repo):
    broken = PASSING.replace("testResultsFiles: reports/x.xml", "testResultsFiles: reports/y.xml")
    steps = failing(repo, broken)
    assert steps["CI 3"].status == "failed"
    assert steps["CI 3"].detail == "reports/y.xml matches no file: no step wrote it"


def test_a_condition_that_skips_a_gate_on_main(repo):
    broken = after_checkout(
        "          - script: python3 toxw -e unit\n"
        "            condition: eq(variables.isMain, 'False')\n"
    )
    steps = failing(repo, broken)
    assert steps["CI 2"].status == "failed"
    assert steps["CI 2"].detail == (
        "condition eq(variables.isMain, 'False') skips gate unit on main"
    )


VERIFY = """
stages:
  - stage: VerifyDev
    jobs:
      - job: Verify
        steps:
          - script: >-
              python3 -c "import os, urllib.request;
              urllib.request.urlopen(os.environ['BASE_URL'] + '/healthz')"
            displayName: smoke against BASE_URL
"""


def test_a_verify_step_whose_smoke_fails_against_the_stand_in(repo):
    passed, steps = repo.commit(VERIFY).rehearse("main", stand_in=stand_in(503))
    assert not passed
    assert steps["VerifyDev 0"].status == "succeeded"  # the stand-in started
    assert steps["VerifyDev 1"].status == "failed"
    assert "HTTP Error 503" in "\n".join(steps["VerifyDev 1"].output)


def test_a_verify_step_passes_against_a_healthy_stand_in(repo):
    passed, steps = repo.commit(VERIFY).rehearse("main", stand_in=stand_in(200))
    assert passed, steps["VerifyDev 1"].output
    assert steps["VerifyDev 0"].detail.startswith("BASE_URL=http://127.0.0.1:")


def test_a_step_of_an_unknown_kind_is_neither_rehearsed_nor_listed(repo):
    broken = after_checkout("          - task: Npm@1\n")
    steps = failing(repo, broken)
    assert "neither rehearsed nor listed" in steps["CI 2"].detail


def test_a_variable_that_is_never_set(repo):
    broken = PASSING.replace("bash harness/image/ci_image.sh push", "echo $(NOT_SET_ANYWHERE)")
    steps = failing(repo, broken)
    assert steps["Build 3"].detail == "$(NOT_SET_ANYWHERE): no variable sets it"


def test_a_stage_the_rehearsal_does_not_know(repo):
    broken = (
        PASSING + "  - stage: Elsewhere\n    jobs:\n      - job: X\n        steps:\n"
        "          - script: 'true'\n"
    )
    steps = failing(repo, broken)
    assert "neither runs it nor says why" in steps["Elsewhere 0"].detail


def test_a_report_left_by_an_earlier_job_is_not_this_jobs(repo):
    later = PASSING.replace(
        "          - script: test -f",
        "          - task: PublishTestResults@2\n            inputs: {testResultsFiles: "
        "reports/x.xml}\n          - script: test -f",
    )
    steps = failing(repo, later)
    assert "was not written in this job" in steps["Build 2"].detail


def test_a_gate_that_passed_earlier_in_the_run_is_reused(repo):
    pipeline = after_checkout("          - script: python3 toxw -e pipeline\n")
    repo.commit(pipeline)
    reports = repo.root / "reports"
    (reports / ".run").mkdir(parents=True)
    (reports / ".run" / "pipeline.json").write_text(
        '{"run_id": "77", "env": "pipeline", "started_ts": 0}'
    )
    (reports / "pipeline.xml").write_text(JUNIT)
    passed, steps = repo.rehearse("main", reuse=True)
    assert passed
    assert steps["CI 2"].status == "reused"


def test_a_job_does_not_see_the_artifacts_an_earlier_job_collected(repo):
    # CI collects its own artifact into reports/ (as the gate report does); Build, on a fresh
    # agent, must not find that copy in its checkout, nor republish it
    collecting = PASSING.replace(
        "          - script: test -f",
        "          - script: test ! -e reports/reports-ci && test ! -e reports/.artifactignore\n"
        "            displayName: a fresh checkout\n          - script: test -f",
    ).replace(
        "            inputs: {targetPath: reports, artifact: reports-ci}\n",
        "            inputs: {targetPath: reports, artifact: reports-ci}\n"
        "          - script: |\n"
        "              mkdir -p reports/reports-ci\n"
        "              echo '/reports-ci/' > reports/.artifactignore\n"
        "            displayName: collect\n",
    )
    passed, steps = repo.commit(collecting).rehearse("main")
    assert passed, {k: (r.status, r.detail) for k, r in steps.items()}
    assert steps["Build 2"].status == "succeeded"
