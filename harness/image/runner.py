"""The container engine: podman when it is installed (else docker), and the calls made to it.

CONTAINER_ENGINE overrides the choice. With podman, CONTAINERS_CONF points at
container/containers.conf unless already set; with docker, BuildKit is on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.common.paths import ROOT

CONTAINERS_CONF = ROOT / "container" / "containers.conf"


class ImageError(RuntimeError):
    """A step failed; the message says which and why."""


def say(message: str) -> None:
    print(f"image: {message}", file=sys.stderr, flush=True)


def engine() -> str:
    chosen = os.environ.get("CONTAINER_ENGINE", "").strip()
    if chosen:
        return chosen
    if shutil.which("podman"):
        return "podman"
    return "docker"


def is_podman() -> bool:
    return Path(engine()).name == "podman"


def engine_available() -> str | None:
    """None when the engine works; else why not, in one line."""
    name = engine()
    if not shutil.which(name):
        return f"{name} is not installed (Debian: apt-get install podman runc)"
    result = call([name, "info"], check=False, capture=True, timeout=60)
    if result.returncode != 0:
        return f"`{name} info` failed: {(result.stderr or result.stdout).strip()[:300]}"
    return None


def engine_env() -> dict[str, str]:
    env = dict(os.environ)
    if is_podman():
        env.setdefault("CONTAINERS_CONF", str(CONTAINERS_CONF))
    else:
        env.setdefault("DOCKER_BUILDKIT", "1")
    return env


def call(
    cmd: list[str],
    *,
    check: bool = True,
    capture: bool = False,
    timeout: float | None = 600,
    input_bytes: bytes | None = None,
    stdout=None,
) -> subprocess.CompletedProcess:
    """Run CMD in the engine's environment; raise ImageError when it fails and CHECK is set."""
    kwargs = {"env": engine_env(), "timeout": timeout}
    if capture:
        kwargs.update(capture_output=True, text=input_bytes is None)
    elif stdout is not None:
        kwargs.update(stdout=stdout, stderr=subprocess.STDOUT)
    result = subprocess.run(cmd, input=input_bytes, **kwargs)
    if check and result.returncode != 0:
        detail = ""
        if capture:
            detail = f"\n{result.stderr or ''}{result.stdout or ''}".rstrip()
        raise ImageError(f"`{' '.join(cmd)}` exited {result.returncode}{detail}")
    return result


def quietly(*args: str, timeout: float | None = 600) -> subprocess.CompletedProcess:
    """Run the engine with ARGS, output captured, whatever its exit code."""
    return call([engine(), *args], check=False, capture=True, timeout=timeout)


def podman(*args: str, check: bool = True, timeout: float | None = 600) -> str:
    """Run the engine with ARGS; return its stdout (stripped)."""
    return call([engine(), *args], check=check, capture=True, timeout=timeout).stdout.strip()


def inspect(ref: str, fmt: str, kind: str = "container") -> str:
    return podman(kind, "inspect", "--format", fmt, ref)


def image_exists(ref: str) -> bool:
    return quietly("image", "inspect", ref).returncode == 0
