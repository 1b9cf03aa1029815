"""Shared by every gate: with FAIL_ON_SKIP=1 (CI sets it) a skipped test is a failed test.

On a developer's machine a test that needs an optional system part (PostgreSQL running,
chromium, podman) may skip with its reason; in CI nothing may be silently skipped.
"""

import os

import pytest


def _fail_on_skip() -> bool:
    return os.environ.get("FAIL_ON_SKIP", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _fail_on_skip() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (
            f"FAIL_ON_SKIP=1 forbids skipping; this test was skipped because: {reason}"
        )


@pytest.fixture(scope="session")
def postgres_url():
    """DATABASE_URL of a real PostgreSQL: the configured one, else a throwaway local cluster."""
    from tests.support.postgres import configured_url, server_available, throwaway_cluster

    if configured_url():
        yield configured_url()
        return
    if not server_available():
        pytest.skip("needs PostgreSQL: install the postgresql server package or set DATABASE_URL")
    with throwaway_cluster() as (url, _datadir):
        yield url
