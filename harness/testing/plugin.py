"""pytest plugin of every gate: with FAIL_ON_SKIP=1 (CI sets it) a skipped test is a failed test.

On a developer's machine a test that needs an optional system part (PostgreSQL running,
chromium, podman) may skip with its reason; in CI nothing may be silently skipped.

In the tox env of a gate that the registry marks ``records`` (or wherever RECORD_EXCHANGES=1),
every HTTP exchange of the tests with the service is recorded for the contract-coverage gate
(harness/testing/exchanges.py); RECORD_EXCHANGES=0 turns that off.
"""

import os

import pytest


def _fail_on_skip() -> bool:
    from harness.common.env import env_bool

    return env_bool("FAIL_ON_SKIP", False)


def pytest_report_header(config):
    """Every gate says first which database it runs on (and the smoke and contract gates which
    target), so a report can never be mistaken for a run on another database."""
    from harness.common.urls import describe_database

    return [f"database: {describe_database(os.environ.get('DATABASE_URL', '').strip())}"]


def _records() -> str | None:
    """The env to record exchanges under, or None when this process does not record."""
    from harness import gates
    from harness.common.env import env_bool

    env = os.environ.get("TOX_ENV_NAME", "").strip()
    if "RECORD_EXCHANGES" in os.environ:
        return (env or "adhoc") if env_bool("RECORD_EXCHANGES", False) else None
    return env if env in gates.recording_envs() else None


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "service_broken_on_purpose: the test patches the service's code to fail; its exchanges "
        "neither demonstrate nor break the contract (contract-coverage gate)",
    )
    config.addinivalue_line(
        "markers",
        "not_the_service: the test talks HTTP to something else than the service (the mock "
        "server); its exchanges are not recorded",
    )
    env = _records()
    if env and not hasattr(config, "workerinput"):
        from harness.testing import exchange_hooks, exchanges

        exchanges.start(env)
        exchange_hooks.install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    from harness.testing import exchanges

    exchanges.broken_on_purpose = item.get_closest_marker("service_broken_on_purpose") is not None
    exchanges.paused = item.get_closest_marker("not_the_service") is not None
    yield
    exchanges.broken_on_purpose = False
    exchanges.paused = False


def pytest_unconfigure(config):
    from harness.testing import exchange_hooks, exchanges

    exchange_hooks.uninstall()
    exchanges.stop()


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
    from harness.testing.postgres import configured_url, server_available, throwaway_cluster

    if configured_url():
        yield configured_url()
        return
    if not server_available():
        pytest.skip("needs PostgreSQL: install the postgresql server package or set DATABASE_URL")
    with throwaway_cluster() as (url, _datadir):
        yield url


@pytest.fixture
def copy(tmp_path):
    """A copy of the checkout's pipeline, tox.ini, .ci/run, harness/, tests/ and infra/ to break."""
    from harness.testing.checkout_copy import CheckoutCopy

    return CheckoutCopy(tmp_path)
