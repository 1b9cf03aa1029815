"""Reporting of the property-based tests.

- How many requests each mode sent, and how fast; the same figures go to
  reports/contract-stats.json, which bench/contract_speed.py reads.
- On failure, reports/contract-failures.txt: each failing test with Schemathesis's account of the
  failure and the ``curl`` command that reproduces it.

And the fixtures shared by the test modules: ``live_url``, the service the live tests and the
typed client's scenario run against, and ``client_wheel`` and ``typed_client``, the typed client
built once per test run and installed from its wheel.
"""

import json
import os
from collections import Counter

import pytest

from harness.contract import client, settings
from harness.testing.live_server import LiveServer, wait_ready

MODES = {"test_inprocess.py": "inprocess", "test_live.py": "live"}
FAILURES = settings.REPORTS / "contract-failures.txt"
_seconds: Counter = Counter()
_failures: list[str] = []


@pytest.fixture(scope="session")
def live_url():
    """BASE_URL, or else a local server on a free loopback port for the whole run."""
    base_url = os.environ.get("BASE_URL", "").strip().rstrip("/")
    if base_url:
        wait_ready(base_url, timeout=60)
        settings.SUMMARY.append(f"contract live: tested BASE_URL={base_url}")
        yield base_url
        return
    with LiveServer(database_url=os.environ.get("DATABASE_URL") or None, workers=2) as server:
        settings.SUMMARY.append(
            f"contract live: BASE_URL unset, tested a local server ({server.url})"
        )
        yield server.url


@pytest.fixture(scope="session")
def client_wheel(tmp_path_factory):
    """The typed client's wheel, built from contract/openapi.yaml as the pipeline builds it."""
    return client.build_wheel(tmp_path_factory.mktemp("client-wheel"))


@pytest.fixture(scope="session")
def typed_client(client_wheel, tmp_path_factory):
    """The generated package, installed from the wheel into a folder of its own and imported."""
    return client.load(client.install(client_wheel, tmp_path_factory.mktemp("client-site")))


@pytest.fixture
def scenario_steps():
    """The consumer scenario's steps, as (name, status, model), against the service or the mock."""
    return [
        ("create", 201, "User"),
        ("read back", 200, "User"),
        ("list", 200, "list of User"),
        ("missing id", 404, "Error"),
        ("taken dni", 400, "ValidationError"),
        ("invalid body", 400, "ValidationError"),
    ]


def pytest_report_header(config):
    base_url = os.environ.get("BASE_URL", "").strip()
    live = f"BASE_URL={base_url}" if base_url else "a local server started for the run"
    return [f"contract: in-process on the Django app; live against {live}"]


def pytest_sessionstart(session):
    FAILURES.unlink(missing_ok=True)  # a report from an earlier run must not look current


def pytest_runtest_logreport(report):
    mode = MODES.get(report.nodeid.split("::")[0].rsplit("/", 1)[-1])
    if mode:
        # setup included: the live mode's first test pays for starting the server
        _seconds[mode] += report.duration
    if report.failed:
        _failures.append(f"=== {report.nodeid} ({report.when}) ===\n{report.longreprtext}\n")


def pytest_terminal_summary(terminalreporter):
    for line in settings.SUMMARY:
        terminalreporter.write_line(line)
    if _failures:
        settings.REPORTS.mkdir(exist_ok=True)
        FAILURES.write_text("\n".join(_failures))
        terminalreporter.write_line(f"contract failures, with curl reproductions: {FAILURES}")
    stats = {}
    for mode in ("inprocess", "live"):
        calls, seconds = settings.CALLS[mode], _seconds[mode]
        if not calls:
            continue
        stats[mode] = {
            "requests": calls,
            "seconds": round(seconds, 3),
            "requests_per_second": round(calls / seconds, 1) if seconds else None,
        }
        terminalreporter.write_line(
            f"contract {mode}: {calls} requests in {seconds:.1f}s "
            f"({stats[mode]['requests_per_second']}/s), "
            f"{settings.MAX_EXAMPLES} examples per operation, seed {settings.SEED}"
        )
    if stats:
        settings.REPORTS.mkdir(exist_ok=True)
        (settings.REPORTS / "contract-stats.json").write_text(json.dumps(stats, indent=2) + "\n")
