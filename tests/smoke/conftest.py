"""The smoke suite's target: BASE_URL, or a local server started for the run.

    BASE_URL=https://users.example.org python3 toxw -e smoke # a deployed environment
    python3 toxw -e smoke                                    # local server, SQLite in a temp dir
    DATABASE_URL=postgresql://... python3 toxw -e smoke      # local server on that PostgreSQL

The readiness wait at the start (SMOKE_READY_TIMEOUT seconds, default 60; pauses doubling up to
SMOKE_READY_MAX_DELAY, default 2) is the only thing ever repeated: every check runs once.
SMOKE_READONLY=1 leaves out the checks that create users.
"""

from __future__ import annotations

import contextlib
import os
import subprocess

import pytest

from harness.common.env import env_bool, env_float, env_int
from harness.smoke.client import Client
from harness.testing.live_server import LiveServer, NotReady, wait_ready


def _target() -> str:
    base_url = os.environ.get("BASE_URL", "").strip()
    if base_url:
        return f"BASE_URL={base_url}"
    database = os.environ.get("DATABASE_URL", "").strip()
    where = "PostgreSQL (DATABASE_URL)" if database else "SQLite in a temporary directory"
    return f"a local server ({os.environ.get('SMOKE_WORKERS', '2')} workers) on {where}"


def pytest_configure(config):
    config.addinivalue_line("markers", "write: creates users; left out when SMOKE_READONLY=1")


def pytest_report_header(config):
    writes = "off (SMOKE_READONLY=1)" if env_bool("SMOKE_READONLY", False) else "on"
    return [f"smoke target: {_target()}", f"smoke write checks: {writes}"]


def pytest_collection_modifyitems(config, items):
    if not env_bool("SMOKE_READONLY", False):
        return
    deselected = [item for item in items if item.get_closest_marker("write")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("write")]


@pytest.fixture(scope="session")
def base_url(record_testsuite_property):
    timeout = env_float("SMOKE_READY_TIMEOUT", 60.0)
    max_delay = env_float("SMOKE_READY_MAX_DELAY", 2.0)
    configured = os.environ.get("BASE_URL", "").strip().rstrip("/")
    record_testsuite_property("target", _target())
    if configured:
        try:
            wait_ready(configured, timeout, max_delay=max_delay)
        except NotReady as exc:
            pytest.fail(f"the deployment never became ready: {exc}", pytrace=False)
        yield configured
        return
    workers = env_int("SMOKE_WORKERS", 2, minimum=1)
    database_url = os.environ.get("DATABASE_URL", "").strip() or None
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(
                LiveServer(
                    database_url=database_url,
                    workers=workers,
                    ready_timeout=timeout,
                    ready_max_delay=max_delay,
                )
            )
        except (NotReady, subprocess.CalledProcessError) as exc:
            pytest.fail(f"the local server did not start: {exc}", pytrace=False)
        yield server.url


@pytest.fixture(scope="session")
def client(base_url):
    return Client(base_url, timeout=env_float("SMOKE_REQUEST_TIMEOUT", 15.0))
