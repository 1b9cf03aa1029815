"""The original service's code beside this one, side by side in alternating rounds on SQLite.

Its code is not kept here: ``--original DIR`` names a checkout of it (``manage.py``, its project
package with ``settings.py`` and ``wsgi.py``, ``requirements.txt``). The checkout is copied to a
temporary directory, so its SQLite file is written there, and the copy runs in a virtualenv of its
own, made from its ``requirements.txt`` and gunicorn (ORIGINAL_SERVER). It is served as its
baseline was measured: gunicorn with 2 sync workers and gunicorn's defaults, with ``DEBUG`` off
(its settings read ``DJANGO_DEBUG`` as a string, so only an empty value is false) and a throwaway
secret key. This service runs as ``python3 toxw -e bench`` runs it on SQLite (webapp/server.py's
settings, 2 workers, the JSON access log). Both get the same users through their APIs, then the
same wrk scenarios; the figures are paired ratios of this service's to the original's.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.report import say
from bench.scale import seed_through_api
from bench.scenarios import SCENARIOS, alternate, paired
from bench.servers import WORKERS, BenchServer, cpu_seconds
from bench.wrk import combine
from harness.common.procs import children_of, free_port
from harness.testing.live_server import NotReady, wait_ready

# The server the original's README runs it under, at the last version this service ran on.
ORIGINAL_SERVER = "gunicorn==27.0.1"
# The targets: this service's requests per second over the original's, same run.
TARGETS = {"get_one": 4.0, "list": 8.0, "post": 4.0}


def project_package(checkout: Path) -> str:
    """The package holding the original's settings.py and wsgi.py; SystemExit if none or two."""
    found = sorted(
        path.parent.name
        for path in checkout.glob("*/wsgi.py")
        if (path.parent / "settings.py").is_file()
    )
    if not (checkout / "manage.py").is_file() or len(found) != 1:
        raise SystemExit(
            f"--original {checkout}: expected a checkout of the original service (manage.py and"
            f" one package with settings.py and wsgi.py), found packages {found or 'none'}"
        )
    if not (checkout / "requirements.txt").is_file():
        raise SystemExit(f"--original {checkout}: no requirements.txt to install it from")
    return found[0]


class OriginalServer:
    """The original's code under gunicorn, 2 sync workers, in its own virtualenv."""

    def __init__(self, checkout: Path, workdir: Path):
        self.package = project_package(checkout)
        self.tree = workdir / "original"
        shutil.copytree(
            checkout,
            self.tree,  # without a database it may hold, its secrets file or its git history
            ignore=shutil.ignore_patterns(".git", ".env", "*.sqlite3", "__pycache__"),
        )
        (self.tree / "sqlite").mkdir(exist_ok=True)  # where its settings put the database
        self.venv = workdir / "venv"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {  # pip's own settings pass; this service's Django and database ones do not
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_DEBUG": "",
            "DATABASE_NAME": "db.sqlite3",
        }
        self.process: subprocess.Popen | None = None

    def _run(self, *command: str, timeout: float = 600) -> None:
        done = subprocess.run(
            command, cwd=self.tree, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise SystemExit(
                f"--original: {' '.join(command[:3])} failed ({done.returncode}):"
                f" {(done.stdout + done.stderr)[-2000:]}"
            )

    def start(self) -> OriginalServer:
        say(f"installing the original's requirements and {ORIGINAL_SERVER}")
        self._run(sys.executable, "-m", "venv", str(self.venv))
        python = str(self.venv / "bin" / "python")
        self._run(
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
            ORIGINAL_SERVER,
        )
        self._run(python, "manage.py", "migrate", "--verbosity", "0")
        self.process = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                f"{self.package}.wsgi",
            ],
            cwd=self.tree,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(self.url, 60, path="/api/users/", process=self.process)
        except NotReady as exc:
            self.stop()
            raise SystemExit(f"--original: its gunicorn did not answer: {exc}") from None
        return self

    def cpu_meter(self) -> Callable[[], float]:
        pids = children_of(self.process.pid)
        return lambda: cpu_seconds(pids)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


def row_of(ours: list[dict], original: list[dict], mode: str) -> dict:
    """One scenario's figures: each side's, and this service's paired ratios to the original's."""
    mine, theirs = combine(ours), combine(original)
    return {
        "original": theirs,
        "this_service": mine,
        "rps_ratio": paired(ours, original, "rps"),
        "cpu_per_request_ratio": paired(ours, original, "worker_cpu_ms_per_request"),
        "p99_ratio": paired(ours, original, "p99_ms"),
        "target_rps_ratio": TARGETS.get(mode),
    }


def format_row(title: str, row: dict) -> str:
    theirs, mine, target = row["original"], row["this_service"], row["target_rps_ratio"]
    verdict = ""
    if target is not None:
        verdict = f" ({'meets' if row['rps_ratio'] >= target else 'MISSES'} target {target:g}x)"
    cpu = "worker_cpu_ms_per_request"
    return (
        f"  {title:<22} original {theirs['rps']:6.0f} req/s, this service {mine['rps']:6.0f}"
        f" req/s: x{row['rps_ratio']:.2f}{verdict}; CPU/request {theirs[cpu]:.2f}"
        f" / {mine[cpu]:.2f} ms; p99 {theirs['p99_ms']:.1f} / {mine['p99_ms']:.1f} ms;"
        f" errors {theirs['errors']} / {mine['errors']}"
    )


def run_original(checkout: Path, wrk, opts) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-original-") as tmp:
        original = OriginalServer(checkout.resolve(), Path(tmp)).start()
        ours = BenchServer()
        try:
            ours.start()
            say(
                f"\n=== the original's code ({original.package}, {WORKERS} sync workers) against"
                f" this service ({WORKERS} workers, webapp/server.py), SQLite ==="
            )
            ids, _ = seed_through_api(original, opts.users)
            ours_ids, _ = seed_through_api(ours, opts.users)
            if ids != ours_ids:
                raise SystemExit(f"--original: seeded ids differ: {ids} and {ours_ids}")
            result = {"package": original.package, "workers": WORKERS, "scenarios": {}}
            for scenario in SCENARIOS:
                if scenario.mode not in opts.scenarios:
                    continue
                servers = {"original": original, "this service": ours}
                runs = alternate(wrk, servers, scenario, opts, ids)
                row = row_of(runs["this service"], runs["original"], scenario.mode)
                result["scenarios"][scenario.mode] = {"title": scenario.title, **row}
                say(format_row(scenario.title, row))
            return result
        finally:
            ours.stop()
            original.stop()
