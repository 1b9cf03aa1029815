"""The rehearsal's parts: expressions and conditions, macros and variable groups, the tasks'
equivalents, the stand-in's configuration, the docker command, the run records, the report."""

import json

import pytest

from harness.common import runs
from harness.common.paths import ROOT
from harness.rehearse import conditions, docker, macros, report, standin, tasks
from harness.rehearse.runner import Result

from .conftest import JUNIT


@pytest.mark.parametrize(
    ("expression", "status", "value"),
    [
        ("succeeded()", "Succeeded", True),
        ("succeeded()", "Failed", False),
        ("succeeded()", "Skipped", False),
        ("failed()", "Failed", True),
        ("succeededOrFailed()", "Failed", True),
        ("always()", "Failed", True),
        ("and(succeeded(), eq(variables.isMain, 'True'))", "Succeeded", True),
        ("and(succeeded(), eq(variables.isMain, 'true'))", "Failed", False),
        ("eq(variables['Build.Reason'], 'Manual')", "Succeeded", False),
        ("ne(variables['build.reason'], 'PullRequest')", "Succeeded", True),
        ("or(eq(1, 2), not(eq('a', 'b')))", "Succeeded", True),
        ("in(variables.isMain, 'no', 'TRUE')", "Succeeded", True),
        ("startsWith(variables['Build.SourceBranch'], 'refs/heads/')", "Succeeded", True),
        ("eq(variables.unset, '')", "Succeeded", True),
        ("eq('it''s', 'IT''S')", "Succeeded", True),
    ],
)
def test_conditions(expression, status, value):
    context = conditions.Context(
        variables={
            "isMain": "True",
            "Build.Reason": "IndividualCI",
            "Build.SourceBranch": "refs/heads/main",
        },
        status=status,
    )
    assert conditions.holds(expression, context) is value


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("eq(dependencies.Plan.outputs['plan.changes'], 'true')", "knows only variables"),
        ("counter('x', 1)", "not one the rehearsal evaluates"),
        ("eq('a'", "expected"),
        ("eq('a', 'b') extra", "unexpected"),
        ("succeeded('CI')", "not supported"),
        ("not('a', 'b')", "given 2 arguments"),
        ("eq(#)", "cannot read"),
    ],
)
def test_what_cannot_be_evaluated_says_so(expression, message):
    with pytest.raises(conditions.ExpressionError, match=message):
        conditions.evaluate(expression, conditions.Context())


def test_no_condition_means_succeeded():
    assert conditions.holds(None, conditions.Context(status="Succeeded"))
    assert not conditions.holds("", conditions.Context(status="Failed"))


def test_macros_and_the_agents_names():
    variables = macros.resolve({"A": "$(B)/x", "B": "$(C)", "C": "c", "Build.BuildId": "7"})
    assert variables["A"] == "c/x"
    assert macros.substitute("id $(build.buildid) $(Nope)", variables) == ("id 7 $(Nope)", ["Nope"])
    assert macros.env_name("Build.SourceVersion") == "BUILD_SOURCEVERSION"
    assert macros.env_name("isMain") == "ISMAIN"


def test_the_groups_file_holds_every_group_and_no_secret(tmp_path):
    groups = macros.read_groups()
    assert groups["users-api-build"]["ACR_LOGIN_SERVER"] == "usersapiregistry.azurecr.io"
    assert set(groups) == {"users-api-build", "users-api-dev", "users-api-prd"}
    bad = tmp_path / "groups.yaml"
    bad.write_text("users-api-dev:\n  DJANGO_SECRET_KEY: x\n")
    with pytest.raises(ValueError, match="looks like a secret"):
        macros.read_groups(bad)
    with pytest.raises(ValueError, match="has no entry"):
        macros.scope_variables({"variables": [{"group": "other"}]}, groups)
    assert macros.scope_variables({"variables": {"A": 1}}, groups) == {"A": "1"}


def test_publish_test_results_needs_junit(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "ok.xml").write_text(JUNIT)
    (tmp_path / "reports" / "html.xml").write_text("<html/>")
    (tmp_path / "reports" / "broken.xml").write_text("<testsuite")
    assert tasks.publish_test_results({"testResultsFiles": "reports/ok.xml"}, tmp_path).ok
    for name, message in [("html", "is <html>, not JUnit"), ("broken", "is not XML")]:
        outcome = tasks.publish_test_results({"testResultsFiles": f"reports/{name}.xml"}, tmp_path)
        assert not outcome.ok
        assert message in outcome.message
    outcome = tasks.publish_test_results({"testResultsFormat": "NUnit"}, tmp_path)
    assert "not JUnit" in outcome.message


def test_coverage_needs_cobertura(tmp_path):
    inputs = {"summaryFileLocation": "coverage.xml", "reportDirectory": "html"}
    assert "does not exist" in tasks.publish_coverage(inputs, tmp_path).message
    (tmp_path / "coverage.xml").write_text(JUNIT)
    assert "not Cobertura" in tasks.publish_coverage(inputs, tmp_path).message
    (tmp_path / "coverage.xml").write_text("<coverage")
    assert "not XML" in tasks.publish_coverage(inputs, tmp_path).message
    (tmp_path / "coverage.xml").write_text("<coverage/>")
    outcome = tasks.publish_coverage(inputs, tmp_path)
    assert outcome.ok
    assert "html is missing" in outcome.message


def test_a_published_folder_leaves_out_what_its_artifactignore_names(tmp_path):
    reports, store = tmp_path / "reports", tmp_path / "artifacts"
    for name in ("unit.xml", "reports-ci-gates/unit.xml", "exchanges/run/unit.jsonl"):
        (reports / name).parent.mkdir(parents=True, exist_ok=True)
        (reports / name).write_text("x")
    (reports / ".artifactignore").write_text("/reports-ci-gates/\n*.jsonl\n")
    assert tasks.publish_artifact({"targetPath": "reports", "artifact": "r"}, tmp_path, store).ok
    published = sorted(str(p.relative_to(store / "r")) for p in (store / "r").rglob("*"))
    assert published == [".artifactignore", "exchanges", "exchanges/run", "unit.xml"]


def test_artifacts_are_published_once_and_downloaded(tmp_path):
    store, workspace = tmp_path / "artifacts", tmp_path / "w"
    store.mkdir()
    (tmp_path / "digest.txt").write_text("x")
    publish = {"targetPath": "digest.txt", "artifact": "image"}
    assert not tasks.publish_artifact({"targetPath": "nope", "artifact": "a"}, tmp_path, store).ok
    assert not tasks.publish_artifact({"targetPath": "digest.txt"}, tmp_path, store).ok
    assert tasks.publish_artifact(publish, tmp_path, store).ok
    assert "already published" in tasks.publish_artifact(publish, tmp_path, store).message
    assert tasks.download({"download": "current", "artifact": "image"}, store, workspace).ok
    assert (workspace / "image" / "digest.txt").read_text() == "x"
    assert not tasks.download({"download": "current", "artifact": "gone"}, store, workspace).ok
    missing = tasks.download({"download": "current", "patterns": "reports-*/**"}, store, workspace)
    assert "match none" in missing.message


def test_python_and_checkout(tmp_path):
    assert "this machine's is" in tasks.use_python({"versionSpec": "2.7"}).message
    assert not tasks.checkout_self({"checkout": "none"}, tmp_path, "x").ok
    assert "not x" in tasks.checkout_self({"checkout": "self"}, ROOT, "x").message


def test_the_stand_in_is_configured_as_dev():
    config = standin.dev_config(ROOT)
    assert config["DJANGO_ALLOWED_HOSTS"] == "users-api-dev.westeurope.cloudapp.azure.com"
    env = standin.stand_in_env(config, {"DJANGO_LOG_LEVEL": "DEBUG"})
    assert env["DJANGO_ALLOWED_HOSTS"].endswith(",127.0.0.1")
    assert len(env["DJANGO_SECRET_KEY"]) > 40
    assert "PORT" not in env
    assert env["DJANGO_LOG_LEVEL"] == "DEBUG"
    assert env["DJANGO_ENV"] == "production"
    with pytest.raises(RuntimeError, match="renders no users-api-config"):
        standin.dev_config(ROOT, overlay="../components/postgres")


def test_a_service_port_in_use_is_refused():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with (
            pytest.raises(RuntimeError, match=f"port {port} is in use"),
            standin.postgres_service(port),
        ):
            pass


def test_docker_build_becomes_the_podman_build(monkeypatch):
    monkeypatch.setattr(docker, "resolve_base", lambda: ("localhost/base:1", 0.0))
    monkeypatch.setattr(docker, "ca_bundle", lambda: None)
    args = docker.build_args(
        ["--file", "Dockerfile", "--tag", "r/u:1", "--build-arg", "REVISION=abc", "."]
    )
    assert args[:6] == ["build", "--isolation", "chroot", "--format", "docker", "--layers"]
    assert "BASE_IMAGE=localhost/base:1" in args
    # labelled too, whatever buildah's layer cache kept: a gate checking the pushed image reads it
    assert "org.opencontainers.image.base.name=localhost/base:1" in args
    assert args[-1] == "."
    assert "org.opencontainers.image.revision=abc" in args


def test_a_gate_passed_in_this_run(tmp_path, monkeypatch):
    reports = tmp_path
    (reports / ".run").mkdir()
    record = {"run_id": "r1", "env": "unit-postgresql", "started_ts": 0}
    (reports / ".run" / "unit-postgresql.json").write_text(json.dumps(record))
    assert not runs.passed_in_run("unit-postgresql", "r1", reports)  # no JUnit yet
    (reports / "unit-postgresql.xml").write_text(JUNIT)
    assert runs.passed_in_run("unit-postgresql", "r1", reports)
    assert not runs.passed_in_run("unit-postgresql", "r2", reports)
    (reports / "unit-postgresql.xml").write_text(
        JUNIT.replace('tests="1"', 'tests="1" failures="1"')
    )
    assert not runs.passed_in_run("unit-postgresql", "r1", reports)
    monkeypatch.setenv("GATE_RUN_ID", "r1")
    assert runs.main(["passed", "nosuchenv"]) == 1


def test_the_report_lists_what_ran_and_what_was_not_rehearsed(tmp_path):
    results = [
        Result(
            "main",
            "CI",
            "Gates",
            1,
            "tox -e unit",
            "script",
            "python3 toxw -e unit",
            "succeeded",
            0,
            2.0,
        ),
        Result(
            "main",
            "CI",
            "Audit",
            3,
            "tox -e audit",
            "script",
            "python3 toxw -e audit",
            "not rehearsed",
            detail="gate audit: needs its service",
        ),
        Result(
            "main",
            "Build",
            "Image",
            4,
            "tox -e image",
            "script",
            "python3 toxw -e image",
            "failed",
            1,
            3.0,
            "exit 1",
            ["boom"],
        ),
    ]
    run = {
        "title": "Push to main",
        "commit": "abc",
        "where": "here",
        "seconds": 5,
        "results": results,
        "passed": False,
    }
    report.write(tmp_path, {"main": run})
    text = (tmp_path / "rehearsal.md").read_text()
    assert "FAILED at Build/Image #4 (tox -e image): exit 1" in text
    assert "| CI/Audit #3 | tox -e audit | gate audit: needs its service |" in text
    data = json.loads((tmp_path / "rehearsal.json").read_text())
    assert [s["status"] for s in data["main"]["steps"]] == ["succeeded", "not rehearsed", "failed"]
    junit = (tmp_path / "rehearse-pipeline.xml").read_text()
    assert 'tests="2" failures="1"' in junit
    assert "boom" in junit


def test_a_gate_not_rehearsed_leaves_only_its_own_reports_missing():
    ledger = tasks.Ledger()
    tasks.record_not_rehearsed("python3 toxw -e contract", ["contract"], "not selected", ledger)
    tasks.record_not_rehearsed("python3 toxw -e hpa", ["hpa"], "needs a cluster", ledger)
    assert ledger.why_file("reports/contract.xml") == "not selected"
    assert ledger.why_file("reports/contract-live.xml") is None
    assert ledger.why_file("reports/hpa-timeline.png") == "needs a cluster"
    tasks.record_not_rehearsed("bash harness/image/ci_image.sh push", [], "registry", ledger)
    assert ledger.why_file("./reports/image-digest.txt") == "registry"
