"""git, as the harness asks it things: never raising, output captured as text."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.common.paths import ROOT


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`git ARGS` in CWD (the checkout); the caller reads its return code."""
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def output(*args: str, cwd: Path = ROOT) -> str:
    """What `git ARGS` printed, stripped; "" when it failed (not a repository, no such ref)."""
    result = run(*args, cwd=cwd)
    return result.stdout.strip() if result.returncode == 0 else ""
