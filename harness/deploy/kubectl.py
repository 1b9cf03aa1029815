"""kubectl as a deploy uses it: reads always run; changes are printed, and run unless dry."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from harness.common import kube


class DeployError(Exception):
    pass


def say(message: str) -> None:
    print(f"deploy: {message}", flush=True)


class Kubectl:
    def __init__(self, dry_run: bool, root: Path):
        self.binary = os.environ.get("KUBECTL", "kubectl")
        self.dry_run = dry_run
        self.root = root  # the checkout whose k8s/ is deployed

    def read(self, *args: str) -> str:
        """A command that only reads: always runs."""
        result = subprocess.run([self.binary, *args], capture_output=True, text=True, check=False)
        if result.returncode:
            raise DeployError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def exists(self, kind: str, name: str, namespace: str) -> bool:
        try:
            found = self.read(
                "get", kind, name, "-n", namespace, "--ignore-not-found", "-o", "name"
            )
        except DeployError:
            if not self.dry_run:
                raise
            say(f"dry run: no cluster to ask whether {kind}/{name} exists; taken as existing")
            return True
        return bool(found.strip())

    def change(self, *args: str, stdin: str | None = None, check: bool = True) -> int:
        """A command that changes the cluster: printed, and run unless --dry-run."""
        shown = f"kubectl {' '.join(args)}" + (" < (manifest on stdin)" if stdin else "")
        say(("would run: " if self.dry_run else "$ ") + shown)
        if self.dry_run:
            return 0
        result = subprocess.run([self.binary, *args], input=stdin, text=True, check=False)
        if check and result.returncode:
            raise DeployError(f"{shown} failed with exit status {result.returncode}")
        return result.returncode

    def run_script(self, script: Path, env: dict[str, str]) -> None:
        """Run a script that calls kubectl itself (it finds KUBECTL's kubectl first on PATH)."""
        shown = f"NAMESPACE={env.get('NAMESPACE')} bash {script.relative_to(self.root)}"
        say(("would run: " if self.dry_run else "$ ") + shown)
        if self.dry_run:
            return
        binary = shutil.which(self.binary)
        if binary:
            env = {**env, "PATH": f"{Path(binary).parent}{os.pathsep}{env.get('PATH', '')}"}
        result = subprocess.run(["bash", str(script)], env=env, check=False)
        if result.returncode:
            raise DeployError(f"{shown} failed with exit status {result.returncode}")

    def render(self, directory: Path) -> list[dict]:
        try:
            return kube.kustomize(directory, self.binary)
        except kube.RenderError as exc:
            raise DeployError(str(exc)) from None

    def wait_for_rollout(self, kind: str, name: str, namespace: str, timeout: float) -> None:
        rollout = ("rollout", "status", f"{kind}/{name}")
        self.change(*rollout, "-n", namespace, f"--timeout={timeout:.0f}s")
