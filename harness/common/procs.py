"""Ports and processes: the small helpers every gate that starts a server needs."""

import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

from harness.common.paths import ROOT


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the caller binds it soon after; loopback only)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def run_module(module: str, *args: str, env: dict | None = None, cwd=None):
    """`python -m MODULE ARGS` of this checkout in a fresh interpreter, as a command line would
    run it; env replaces the environment (None values removed), output captured as text."""
    environment = {**(os.environ if env is None else env), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in environment.items() if v is not None},
        cwd=cwd or ROOT,
    )


def children_of(pid: int) -> list[int]:
    """The processes whose parent is PID (a server's workers, a postmaster's backends)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # the field after the command name, which may itself hold spaces and parentheses
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found
