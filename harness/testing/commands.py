"""A command a developer types, started for a test as a terminal would start it.

    server = start_command([sys.executable, "toxw", "-e", "serve"], "http://127.0.0.1:8000")

The command runs from the checkout in its own process group (Ctrl-C in a terminal signals the
whole group, and a test can do the same), without the variables of the tox env running the test
(the command's own tox must not take them for its own), its output kept for the failure message.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

from harness.common.paths import ROOT
from harness.testing.live_server import NotReady, wait_ready


def start_command(
    command: list[str],
    base_url: str,
    *,
    path: str = "/readyz",
    env: dict[str, str] | None = None,
    timeout: float = 180.0,
) -> subprocess.Popen:
    """Start COMMAND and wait until BASE_URL + PATH answers 200. Raises NotReady, with the
    command's output, when it exits first or is not ready after TIMEOUT seconds (a first run may
    install its tox env); its whole process group is killed then."""
    environment = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={
            k: v for k, v in environment.items() if not k.startswith("TOX_") and k != "VIRTUAL_ENV"
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_ready(base_url, timeout, path=path, max_delay=0.5, process=process)
    except NotReady as exc:
        with contextlib.suppress(ProcessLookupError):  # gone already, if it exited first
            os.killpg(process.pid, signal.SIGKILL)
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # a process that left the group holds the pipe
            output = "(still open after 10 s: a process outside its group holds it)"
        raise NotReady(f"{' '.join(command)}: {exc}\n--- its output ---\n{output}") from None
    return process


# How a command is stopped: Ctrl-C in a terminal (SIGINT to its whole process group), a SIGINT to
# the process alone (an IDE's stop button), a SIGTERM (a process manager).
WAYS_TO_STOP = ("ctrl-c", "sigint", "sigterm")


def stop_as(process: subprocess.Popen, how: str) -> str:
    """Stop PROCESS in one of WAYS_TO_STOP; return the name of the signal it was sent."""
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)
        return signal.SIGINT.name
    sent = {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM}[how]
    os.kill(process.pid, sent)
    return sent.name
