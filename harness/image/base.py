"""The base image: --base, else IMAGE_BASE, else the Dockerfile's default (the official Python
slim image). When that cannot be pulled (no registry reachable), a local base is built from
Debian's packages with debootstrap (python3, python3-venv, ca-certificates) and imported as
localhost/users-api-base:bookworm.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from harness.common.paths import ROOT
from harness.image.runner import ImageError, engine, engine_env, image_exists, quietly, say

DOCKERFILE = ROOT / "Dockerfile"
LOCAL_BASE = "localhost/users-api-base:bookworm"
DEBIAN_SUITE = "bookworm"
BASE_PACKAGES = "python3,python3-venv,ca-certificates"


def dockerfile_default_base() -> str:
    match = re.search(r"^ARG BASE_IMAGE=(\S+)", DOCKERFILE.read_text(), re.MULTILINE)
    if not match:
        raise ImageError("the Dockerfile has no `ARG BASE_IMAGE=...` default")
    return match.group(1)


def _debootstrap(rootfs: Path, log: Path) -> None:
    """A minimal Debian with Python at ROOTFS, without package caches or lists."""
    with log.open("wb") as out:
        result = subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={BASE_PACKAGES}",
                DEBIAN_SUITE,
                str(rootfs),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=900,
        )
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise ImageError(f"debootstrap failed (exit {result.returncode}):\n{tail}")
    # Package caches and lists are not needed at run time.
    for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*"):
        for path in rootfs.glob(pattern):
            if path.is_file():
                path.unlink()


def _import_rootfs(rootfs: Path, name: str) -> None:
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    imported = subprocess.run(
        [engine(), "import", "--message", f"debootstrap {DEBIAN_SUITE} minbase", "-", name],
        stdin=tar.stdout,
        capture_output=True,
        text=True,
        env=engine_env(),
        timeout=600,
    )
    tar.stdout.close()
    if tar.wait() != 0 or imported.returncode != 0:
        raise ImageError(f"importing the base image failed: {imported.stderr.strip()}")


def build_local_base(name: str = LOCAL_BASE, rebuild: bool = False) -> float:
    """debootstrap a minimal Debian with Python and import it as NAME; return the seconds taken.

    Returns 0.0 when NAME already exists and rebuild is False.
    """
    if image_exists(name) and not rebuild:
        say(f"local base image {name} already exists (base --rebuild makes it again)")
        return 0.0
    if not shutil.which("debootstrap"):
        raise ImageError("debootstrap is not installed (Debian: apt-get install debootstrap)")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="image-base-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        say(f"debootstrap {DEBIAN_SUITE} with {BASE_PACKAGES} (about a minute)")
        _debootstrap(rootfs, Path(tmp) / "debootstrap.log")
        say(f"importing the root filesystem as {name}")
        _import_rootfs(rootfs, name)
    seconds = time.monotonic() - start
    say(f"local base image {name} built in {seconds:.1f}s")
    return seconds


def resolve_base(requested: str | None = None) -> tuple[str, float]:
    """The base image to build on, and the seconds spent making it (0 when pulled or present)."""
    base = requested or os.environ.get("IMAGE_BASE") or ""
    if base:
        return base, 0.0
    default = dockerfile_default_base()
    if image_exists(default):
        return default, 0.0
    say(f"pulling the default base image {default}")
    pulled = quietly("pull", "--quiet", default, timeout=300)
    if pulled.returncode == 0:
        return default, 0.0
    reason = (pulled.stderr or pulled.stdout).strip().splitlines()[-1:] or ["no output"]
    say(f"cannot pull {default} ({reason[0][:200]}); building a local base instead")
    return LOCAL_BASE, build_local_base(LOCAL_BASE)
