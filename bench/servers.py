"""The servers the benchmark drives: the app under gunicorn, or the bare-WSGI ceiling, and what
/proc says about their workers (CPU time, resident memory)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from harness.testing.live_server import ROOT, LiveServer, wait_ready

WORKERS = 2


class BenchServer(LiveServer):
    """The shared live server, in production mode, optionally serving another WSGI app."""

    def __init__(self, database_url: str | None = None, app: str | None = None, env=None):
        production = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
        super().__init__(
            database_url=database_url, workers=WORKERS, env={**production, **(env or {})}
        )
        self.app = app

    def start(self) -> BenchServer:
        if self.app is None:
            return super().start()
        # The ceiling: same gunicorn.conf.py, its WSGI app named on the command line (which
        # overrides wsgi_app from the file). No database, so nothing to migrate.
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                self.app,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(self.url, self.ready_timeout)
        except Exception:
            self.stop()
            raise
        return self

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry))
        return sorted(pids)


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
