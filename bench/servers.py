"""The servers the benchmark drives: the app or the bare-WSGI ceiling, under the container's server
(granian, as webapp/server.py configures it) in the settings it runs with or others, and what
/proc says about their workers (CPU time, resident memory)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.common.procs import children_of
from harness.testing.live_server import ROOT, LiveServer, NotReady, wait_ready
from webapp.server import WSGI_APP, granian_environment

WORKERS = 2


@dataclass(frozen=True)
class Server:
    """One way to serve a WSGI app: the service's server (webapp/server.py) with these settings,
    and what it is for."""

    name: str
    title: str
    env: dict = field(default_factory=dict)


def command(app: str) -> list[str]:
    """granian serving APP (``module:callable``), with the settings of the environment as
    webapp/server.py gives them (BenchServer passes them through ``granian_environment``)."""
    return [str(Path(sys.executable).parent / "granian"), app]


SERVERS = {
    server.name: server
    for server in (
        Server("granian", "granian, 2 workers x 2 threads (webapp/server.py's default, prd's)"),
        Server("granian-4-threads", "granian, 2 workers x 4 threads", {"SERVER_THREADS": "4"}),
        Server("granian-1-thread", "granian, 2 workers x 1 thread", {"SERVER_THREADS": "1"}),
    )
}


class BenchServer(LiveServer):
    """The shared live server, in production mode, serving the app or another WSGI callable
    (the ceiling) on one of SERVERS."""

    def __init__(
        self,
        database_url: str | None = None,
        app: str | None = None,
        env=None,
        server: str = "granian",
    ):
        production = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
        self.server = SERVERS[server]
        super().__init__(
            database_url=database_url,
            workers=WORKERS,
            env={**production, **self.server.env, **(env or {})},
        )
        self.app = app

    def start(self) -> BenchServer:
        if self.app is None:
            self.migrate()  # the ceiling has no database, so nothing to migrate
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command(self.app or WSGI_APP),
            cwd=ROOT,
            env=granian_environment(self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(self.url, self.ready_timeout)
        except NotReady as exc:
            self.stop()
            raise NotReady(f"{exc}\n--- {self.server.name} log ---\n{self.log()}") from None
        return self

    def cpu_meter(self) -> Callable[[], float]:
        """A reader of the CPU seconds used by the workers running now (a worker that starts
        later is not counted: the server's workers live through a benchmark run)."""
        pids = self.worker_pids()
        return lambda: cpu_seconds(pids)

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        return sorted(children_of(self.process.pid))


def proc_status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (kernel socket work included)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM (peak RSS) to the current RSS; Linux supports it through clear_refs."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True
