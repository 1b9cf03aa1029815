"""A PostgreSQL for tests: the one DATABASE_URL names, or a throwaway local cluster.

The throwaway cluster comes from harness/testing/local_postgres.py (PostgreSQL's own initdb
and pg_ctl), in a temporary directory, and is stopped and deleted afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harness.common.paths import ROOT
from harness.common.procs import children_of
from harness.common.urls import is_postgresql


def configured_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if is_postgresql(url) else None


def server_available() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"))


def cluster_command(action: str, datadir: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "harness.testing.local_postgres", action, str(datadir)],
        cwd=ROOT,
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


def cluster_processes(datadir: Path) -> list[int]:
    """The postmaster and every backend of the cluster in DATADIR."""
    postmaster = int((datadir / "pgdata" / "postmaster.pid").read_text().split()[0])
    return [postmaster, *children_of(postmaster)]


@contextlib.contextmanager
def frozen(datadir: Path) -> Iterator[list[int]]:
    """PostgreSQL stops answering but keeps its connections open (SIGSTOP), as a partition or a
    full disk leaves it; resumed (SIGCONT) on the way out, whatever happened."""
    pids = cluster_processes(datadir)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield pids
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
