"""A PostgreSQL for tests: the one DATABASE_URL names, or a throwaway local cluster.

The throwaway cluster comes from scripts/local_postgres.py (PostgreSQL's own initdb and pg_ctl),
in a temporary directory, and is stopped and deleted afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "local_postgres.py"


def configured_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def server_available() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"))


def cluster_command(action: str, datadir: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), action, str(datadir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"local_postgres.py {action} failed: {result.stderr.strip()}")
    return result.stdout.strip()


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[tuple[str, Path]]:
    """Start a new cluster; yield (DATABASE_URL, data directory); stop and delete it."""
    datadir = Path(tempfile.mkdtemp(prefix="test-postgres-"))
    try:
        url = cluster_command("start", datadir)
        yield url, datadir
    finally:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            cluster_command("stop", datadir)
        shutil.rmtree(datadir, ignore_errors=True)
