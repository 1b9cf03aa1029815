"""The namespace and the Secrets, created by the manifests' own script, k8s/create-secrets.sh,
from the environment's variable group: the values travel in the script's environment, never on a
command line or in a file."""

from __future__ import annotations

import os
import re
from pathlib import Path

from harness.deploy.kubectl import DeployError, Kubectl

SECRET_KEYS = ("DJANGO_SECRET_KEY", "DATABASE_URL")
OPTIONAL_SECRET_KEYS = ("POSTGRES_PASSWORD",)  # dev's in-cluster database only
UNEXPANDED = re.compile(r"^\$\(\w+\)$")


def script(root: Path) -> Path:
    path = root / "k8s" / "create-secrets.sh"
    if not path.is_file():
        raise DeployError(f"{path.relative_to(root)} does not exist")
    return path


def secret_env() -> dict[str, str]:
    """The secret variables for k8s/create-secrets.sh. An Azure DevOps macro left unexpanded,
    `$(POSTGRES_PASSWORD)` where the group has no such variable, counts as unset."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_KEYS + OPTIONAL_SECRET_KEYS}
    for key in SECRET_KEYS + OPTIONAL_SECRET_KEYS:
        value = os.environ.get(key, "")
        if value and not UNEXPANDED.match(value):
            env[key] = value
    missing = [k for k in SECRET_KEYS if k not in env]
    if missing:
        raise DeployError(
            f"{', '.join(missing)} not set: the pipeline maps them from the environment's "
            "variable group (docs/pipeline.md)"
        )
    return env


def create(kubectl: Kubectl, env: dict[str, str], namespace: str) -> None:
    kubectl.run_script(script(kubectl.root), {**env, "NAMESPACE": namespace})
