"""Ports and processes: the small helpers every gate that starts a server needs."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from harness.common.paths import ROOT


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the caller binds it soon after; loopback only)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def run_until_stopped(
    command: list[str], stop_with: signal.Signals, grace: float, env=None, cwd=None
) -> tuple[int, str | None]:
    """Run COMMAND (a server) until it exits or this process gets SIGINT or SIGTERM; return its
    exit code and the name of the signal that stopped it (None: it exited by itself).

    The server runs in a session of its own, so a terminal's Ctrl-C reaches this process alone,
    and the server gets STOP_WITH once, whichever signal came. It then has GRACE seconds (plus a
    margin) to exit before it is killed.
    """
    process = subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True)
    stopped_by: list[str] = []

    def forward(signum, _frame):
        if not stopped_by and process.poll() is None:
            process.send_signal(stop_with)
        stopped_by.append(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        deadline = None
        while True:
            try:
                return process.wait(timeout=0.2), (stopped_by[0] if stopped_by else None)
            except subprocess.TimeoutExpired:
                if stopped_by and deadline is None:
                    deadline = time.monotonic() + grace + 5
                if deadline is not None and time.monotonic() > deadline:
                    process.kill()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_process(process: subprocess.Popen, grace: float) -> int:
    """SIGTERM, then SIGKILL if PROCESS has not exited after GRACE seconds; its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


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


def _processes():
    """(pid, state, parent pid, process group) of every process, from Linux's /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # the fields after the command name, which may itself hold spaces and parentheses
            state, parent, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
            yield int(stat.parent.name), state, int(parent), int(group)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is PID (a server's workers, a postmaster's backends)."""
    return [child for child, _, parent, _ in _processes() if parent == pid]


def group_alive(pgid: int) -> bool:
    """Whether a process of the process group PGID still runs. A zombie (dead, not yet reaped by
    its parent or by init, which here can take seconds) does not."""
    return any(group == pgid and state != "Z" for _, state, _, group in _processes())


# States of /proc/net/tcp: open both ways, and closed for sending by this side only (its end
# sent, acknowledged or not yet) while it waits for the peer's.
ESTABLISHED = "01"
HALF_CLOSED = ("04", "05")  # FIN_WAIT1, FIN_WAIT2


def connections_held(pid: int, port: int, states: tuple[str, ...] = (ESTABLISHED,)) -> int:
    """The TCP connections to local PORT, in one of STATES, whose socket process PID holds
    (Linux's /proc; a server's accepted client connections)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    held = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()  # local address, remote address, state, ..., inode
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] in states and fields[9] in inodes:
            held += 1
    return held
