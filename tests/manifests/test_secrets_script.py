"""k8s/create-secrets.sh, which the pipeline runs per environment, creates exactly the Secrets and
keys the manifests reference, with the values it was given, and fails clearly without them."""

import base64
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from harness.common.kube import kubectl
from harness.manifests import checks
from harness.manifests.render import K8S
from harness.testing.shellcheck import shellcheck

SCRIPT = K8S / "create-secrets.sh"
VALUES = {
    "DJANGO_SECRET_KEY": "not-a-real-key-only-for-this-test-=+/ with spaces",
    "DATABASE_URL": "postgresql://users:p%40ss=word@db.example.test:5432/users?sslmode=require",
    "POSTGRES_PASSWORD": "not-a-real-password",
}


def run(env_values, tmp_path):
    env = {
        "PATH": f"{Path(kubectl()).parent}{os.pathsep}{os.environ['PATH']}",
        "KUBECONFIG": os.devnull,
        "HOME": str(tmp_path),
        **env_values,
    }
    return subprocess.run(
        ["bash", str(SCRIPT), "--print"], capture_output=True, text=True, env=env, timeout=60
    )


def referenced(variant):
    """Secret name -> keys that the workloads of a variant read from it."""
    refs: dict[str, set[str]] = {}
    for obj in checks.workloads(variant):
        for _, container in checks.containers(obj):
            for item in container.get("env", []):
                key = item.get("valueFrom", {}).get("secretKeyRef")
                if key:
                    refs.setdefault(key["name"], set()).add(key["key"])
    return refs


@pytest.mark.parametrize(
    ("overlay", "namespace"), [("dev", "users-api-dev"), ("prd", "users-api-prd")]
)
def test_script_creates_the_secrets_the_manifests_reference(variants, tmp_path, overlay, namespace):
    wanted = referenced(variants[overlay])
    given = {k: v for k, v in VALUES.items() if any(k in keys for keys in wanted.values())}
    result = run({"NAMESPACE": namespace, **given}, tmp_path)
    assert result.returncode == 0, result.stderr
    documents = [s for s in yaml.safe_load_all(result.stdout) if s]
    assert documents[0] == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace},
        "spec": {},
        "status": {},
    }, documents[0]
    secrets = [s for s in documents if s["kind"] == "Secret"]
    created = {s["metadata"]["name"]: set(s["data"]) for s in secrets}
    assert created == wanted, (
        f"{overlay}: the script creates {created}, the manifests read {wanted}"
    )
    for secret in secrets:
        assert secret["metadata"]["namespace"] == namespace
        for key, value in secret["data"].items():
            assert base64.b64decode(value).decode() == VALUES[key]


def test_script_passes_shellcheck():
    assert shellcheck(SCRIPT) is None


def test_script_fails_with_one_clear_line_without_a_value(tmp_path):
    result = run({"NAMESPACE": "users-api-prd", "DJANGO_SECRET_KEY": "x"}, tmp_path)
    assert result.returncode != 0
    assert "set DATABASE_URL from the variable group of the environment" in result.stderr
