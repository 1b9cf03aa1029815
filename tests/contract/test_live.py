"""The same property-based contract tests, over HTTP against a running service.

With ``BASE_URL`` set (for example ``https://users.example.org``) they test that deployment: this is
the post-deploy contract gate. Without it they start the service under a real gunicorn on a free
loopback port (tests/support/live_server.py) and test that, so the live path runs in CI too.

A deployed database cannot be reset between scenarios: its existing users are left alone, new
users get whatever the generated data says, and a dni that is already taken gets the documented
``400 {"detail": "User already exists"}`` (checks.py verifies that it really is taken).
"""

import os

import pytest

from tests.contract import settings, stateful
from tests.support.live_server import LiveServer, wait_ready


@pytest.fixture(scope="session")
def live_url():
    base_url = os.environ.get("BASE_URL", "").strip().rstrip("/")
    if base_url:
        wait_ready(base_url, timeout=60)
        settings.SUMMARY.append(f"contract live: tested BASE_URL={base_url}")
        yield base_url
        return
    with LiveServer(database_url=os.environ.get("DATABASE_URL") or None, workers=2) as server:
        settings.SUMMARY.append(
            f"contract live: BASE_URL unset, tested a local gunicorn ({server.url})"
        )
        yield server.url


schema = settings.load("live")


@schema.parametrize()
def test_operation_honours_the_contract_live(case, live_url):
    settings.CALLS["live"] += 1
    case.call_and_validate(base_url=live_url)


def test_stateful_create_then_read_back_live(live_url):
    stateful.run_live(stateful.machine_for(schema, mode="live", call_kwargs={"base_url": live_url}))
