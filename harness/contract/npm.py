"""The contract's npm tools, each pinned in a folder of contract/ by its package-lock.json:
contract/lint (Redocly CLI) and contract/mock (Stoplight Prism).

``ensure(folder)`` installs a folder's tools with ``npm ci`` unless what is installed matches its
lock file (a stamp holds the lock file's sha256). Install scripts are not run: none of the
pinned packages has one, and a package's script could reach beyond the npm registry.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path


class NpmMissing(RuntimeError):
    pass


def ensure(folder: Path, timeout: float = 300) -> Path:
    """Install ``folder``'s pinned packages if needed; return its ``node_modules/.bin``."""
    modules = folder / "node_modules"
    stamp = modules / ".package-lock.sha256"
    wanted = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and (modules / ".bin").is_dir():
        return modules / ".bin"
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissing(
            f"npm is needed to install the tools pinned in {folder}/package-lock.json; "
            "install Node.js and npm (Debian: nodejs, npm)"
        )
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        check=True,
        timeout=timeout,
    )
    stamp.write_text(wanted)
    return modules / ".bin"
