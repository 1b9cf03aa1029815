"""Fixtures of the HPA checker's self-test: one real server for every scenario, calibrated once.

The fake API server models pods whose CPU request is notional. To make the scenarios mean the
same on a fast and a slow machine, the session first measures how many CPU cores the real
the server uses under the scenarios' load, then sizes the notional request so that this load
needs a known number of pods at the HPA's target (see ``request_for``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.common.paths import ROOT
from harness.hpa.load import Load
from harness.testing.live_server import LiveServer
from tests.hpa.fake_apiserver import CpuMeter

RATE = 80.0  # requests per second in every scenario (bounded, loopback only)
CONCURRENCY = 4
LOAD_PATH = "/api/users/"
TARGET = 50  # the HPA's CPU target, percent of the request
HEADROOM = 0.85  # at the intended replica count, CPU sits at 85% of the target


@dataclass
class App:
    server: LiveServer
    cores: float  # CPU cores the server used under the scenario load

    @property
    def pid(self) -> int:
        return self.server.process.pid

    def request_for(self, pods: int) -> float:
        """The notional per-pod CPU request (cores) that makes the load need ``pods`` pods."""
        return self.cores / (pods * TARGET / 100 * HEADROOM)


@pytest.fixture(scope="session")
def app():
    with LiveServer(workers=2) as server:
        for i in range(20):  # a list worth serialising
            import requests

            requests.post(
                server.url + "/api/users/",
                json={"dni": f"hpa-{i}", "name": f"User {i}"},
                timeout=10,
            ).raise_for_status()
        # Warm up first: the workers' first requests (imports, URL resolver, connections) cost
        # far more CPU than the steady state the scenarios run in, and would inflate the
        # calibration, leaving every scenario short of the pods it means to need.
        Load(server.url + LOAD_PATH, CONCURRENCY, RATE, 2.0, 10.0).start().join()
        meter = CpuMeter(server.process.pid)
        load = Load(server.url + LOAD_PATH, CONCURRENCY, RATE, 3.0, 10.0).start()
        meter.cores()
        load.join()
        cores = meter.cores()
        failed = [r for r in load.results if not r.ok]
        assert not failed, f"the calibration load failed: {failed[:3]}"
        print(f"\ncalibration: {len(load.results)} requests at {RATE:g}/s used {cores:.3f} cores")
        assert cores > 0.005, "the server used no measurable CPU under load; cannot calibrate"
        yield App(server, cores)


@dataclass
class Run:
    returncode: int
    output: str
    timeline: dict
    junit: str
    reports: Path

    @property
    def failed_checks(self) -> dict[str, str]:
        return {c["name"]: c["message"] for c in self.timeline["checks"] if not c["passed"]}

    @property
    def passed_checks(self) -> set[str]:
        return {c["name"] for c in self.timeline["checks"] if c["passed"]}


# Time-compressed expectations: seconds where a real cluster takes minutes.
FAST = {
    "HPA_INTERVAL": "0.5",
    "HPA_CONCURRENCY": str(CONCURRENCY),
    "HPA_RATE": str(RATE),
    "HPA_LOAD_PATH": LOAD_PATH,
    "HPA_DURATION": "7",
    "HPA_EXPECT_REPLICAS": "3",
    # Within the whole load: the fake HPA follows the real CPU of a local server, which a busy
    # machine measures late; a tighter bound made the verdict depend on the machine's load.
    "HPA_SCALE_UP_WITHIN": "7",
    "HPA_SCALE_DOWN_WITHIN": "6",
    "HPA_MAX_ERROR_RATE": "0.01",
    "HPA_MAX_P95_MS": "3000",
    "HPA_PRECONDITION_WAIT": "1",
    "HPA_SATURATION_SAMPLES": "3",
}


def start_checker(fake, app: App, tmp_path: Path, **overrides: str) -> subprocess.Popen:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(fake.kubeconfig())
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HPA_", "KUBERNETES_")) and k not in ("BASE_URL", "KUBECONFIG")
    }
    env.update(FAST)
    env.update(overrides)
    env.update(
        KUBECONFIG=str(kubeconfig),
        BASE_URL=app.server.url,
        HPA_REPORTS=str(tmp_path / "reports"),
        MPLBACKEND="Agg",
        PYTHONUNBUFFERED="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "harness.hpa"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen, tmp_path: Path, timeout: float = 60) -> Run:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"the checker did not finish within {timeout}s:\n{output}")
    print(output)
    reports = tmp_path / "reports"
    timeline = json.loads((reports / "hpa-timeline.json").read_text())
    return Run(process.returncode, output, timeline, (reports / "hpa.xml").read_text(), reports)


def run_checker(fake, app: App, tmp_path: Path, **overrides: str) -> Run:
    return finish(start_checker(fake, app, tmp_path, **overrides), tmp_path)


def keep_png(run: Run, name: str) -> Path:
    """Copy the scenario's plot to reports/ so a release manager can see what it looks like."""
    target = ROOT / "reports" / name
    target.parent.mkdir(exist_ok=True)
    target.write_bytes((run.reports / "hpa-timeline.png").read_bytes())
    return target


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)
