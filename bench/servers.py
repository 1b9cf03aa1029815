"""The servers the benchmark drives: the app or the bare-WSGI ceiling, under gunicorn (the
container's server, in the settings it runs with) or another WSGI server, and what /proc says
about their workers (CPU time, resident memory)."""

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

WORKERS = 2
CONFIG = ROOT / "gunicorn.conf.py"


@dataclass(frozen=True)
class Server:
    """One way to serve a WSGI app: its command line, and what it is for."""

    name: str
    title: str
    command: Callable[[str, int], list[str]]  # (WSGI app "module:callable", port) -> argv
    env: dict = field(default_factory=dict)


def _gunicorn(*extra: str) -> Callable[[str, int], list[str]]:
    # The container's settings (gunicorn.conf.py, port from GUNICORN_BIND); the WSGI app named
    # on the command line overrides wsgi_app from the file.
    return lambda app, port: [sys.executable, "-m", "gunicorn", "--config", *extra, app]


def _granian(app: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--blocking-threads",
        "1",
        "--no-ws",
        "--access-log",  # its own text lines: a log of similar cost to ours, not the same one
        app,
    ]


SERVERS = {
    server.name: server
    for server in (
        Server(
            "gunicorn-event-loop",
            "gunicorn, 2 event-loop workers (gunicorn.conf.py's default, prd's, the bench's)",
            _gunicorn(str(CONFIG)),
        ),
        Server(
            "gunicorn-gthread",
            "gunicorn, 2 workers x 2 threads (prd's until 2026-12-03)",
            _gunicorn(str(CONFIG)),
            {"GUNICORN_THREADS": "2"},
        ),
        Server(
            "gunicorn-gthread-1",
            "gunicorn, 2 gthread workers x 1 thread",
            _gunicorn(
                str(CONFIG), "--worker-class", "webapp.api.workers.ThreadWorkerWithJSONErrors"
            ),
        ),
        Server(
            "gunicorn-sync",
            "gunicorn's own sync worker, 2 of them (its transport errors are HTML: a comparison)",
            _gunicorn(str(CONFIG), "--worker-class", "sync"),
        ),
        Server(
            "gunicorn-no-access-log",
            "gunicorn, 2 event-loop workers, no access log (what the log costs)",
            _gunicorn(str(ROOT / "bench" / "gunicorn_without_access_log.py")),
        ),
        Server("granian", "granian 2.8, 2 WSGI workers, 1 thread each", _granian),
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
        server: str = "gunicorn-event-loop",
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
            self.server.command(self.app or "webapp.wsgi:application", self.port),
            cwd=ROOT,
            env=self.env,
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
        later is not counted: gunicorn's workers live through a benchmark run)."""
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
