"""The real server (granian, as webapp/server.py runs it) on a free loopback port, for the gates
that test over HTTP.

    with LiveServer(database_url=None, workers=2) as server:   # SQLite in a temporary directory
        urllib.request.urlopen(server.url + "/api/users/")

It applies migrations first (as the deployment's migration Job does), starts the server as the
image does (``python -m webapp.server``), waits for /readyz, and on exit stops it with SIGTERM
(then SIGKILL after the grace period). Its output goes to ``server.log_path``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness.common.paths import ROOT
from harness.common.procs import free_port, stop_process


class NotReady(RuntimeError):
    pass


# No proxy: the servers waited for are on loopback. The standard library only, so that the
# commands that start a server (serve, mock) need nothing but the service's own packages.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answer(url: str) -> str | None:
    """None when URL answers 200; else what it answered, or why it did not."""
    try:
        with _DIRECT.open(url, timeout=5) as response:
            if response.status == 200:
                return None
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.read(200).decode(errors='replace')}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{type(reason).__name__}: {reason}"


def wait_ready(
    base_url: str,
    timeout: float = 30.0,
    path: str = "/readyz",
    initial_delay: float = 0.05,
    max_delay: float = 2.0,
    process: subprocess.Popen | None = None,
) -> float:
    """Poll ``path`` with exponential backoff until it answers 200; return the seconds waited.

    The pause between polls starts at ``initial_delay`` and doubles up to ``max_delay``.
    Raises NotReady with the last status or error once ``timeout`` has passed, or as soon as
    ``process`` (the server being waited for) has exited: it will not become ready.
    """
    start = time.monotonic()
    delay = initial_delay
    while True:
        if process is not None and process.poll() is not None:
            raise NotReady(
                f"{base_url}{path} will not be ready: its server exited with "
                f"{process.returncode} after {time.monotonic() - start:.1f}s"
            )
        last = _answer(base_url.rstrip("/") + path)
        if last is None:
            return time.monotonic() - start
        elapsed = time.monotonic() - start
        if elapsed >= timeout:
            raise NotReady(f"{base_url}{path} not ready after {timeout:.0f}s; last answer: {last}")
        time.sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(delay * 2, max_delay)


class LiveServer:
    def __init__(
        self,
        database_url: str | None = None,
        workers: int = 2,
        threads: int = 2,
        env: dict[str, str] | None = None,
        ready_timeout: float = 60.0,
        graceful_timeout: int = 10,
        ready_max_delay: float = 2.0,
    ):
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.extra_env = env or {}
        self.ready_timeout = ready_timeout
        self.ready_max_delay = ready_max_delay
        self.graceful_timeout = graceful_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="live-server-")
        self.data_dir = Path(self._tmp.name)
        self.log_path = self.data_dir / "server.log"
        self.process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BASE_URL")}
        env.update(
            DJANGO_ENV="local",
            DATA_DIR=str(self.data_dir),
            SERVER_BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY=str(self.workers),
            SERVER_THREADS=str(self.threads),
            SERVER_GRACEFUL_TIMEOUT=str(self.graceful_timeout),
            PYTHONUNBUFFERED="1",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=120,
        )

    def start(self) -> LiveServer:
        self.migrate()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webapp.server"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.ready_seconds = wait_ready(
                self.url, self.ready_timeout, max_delay=self.ready_max_delay, process=self.process
            )
        except NotReady as exc:
            self.stop()
            raise NotReady(f"{exc}\n--- server log ---\n{self.log()}") from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM, wait up to the grace period (plus a margin), then SIGKILL. Returns the code."""
        if self.process is None:
            return None
        return stop_process(self.process, timeout or self.graceful_timeout + 5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self._tmp.cleanup()
