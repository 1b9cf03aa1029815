"""The same property-based contract tests, over HTTP against a running service.

With ``BASE_URL`` set (for example ``https://users.example.org``) they test that deployment: this is
the post-deploy contract gate. Without it they start the service under the real server on a free
loopback port (harness/testing/live_server.py) and test that, so the live path runs in CI too;
the ``live_url`` fixture (conftest.py) is that server, shared with the typed client's scenario.

A deployed database cannot be reset between scenarios: its existing users are left alone, new
users get whatever the generated data says, and a dni that is already taken gets the documented
``400 {"detail": "User already exists"}`` (checks.py verifies that it really is taken).
"""

from harness.contract import settings, stateful

schema = settings.load("live")


@schema.parametrize()
def test_operation_honours_the_contract_live(case, live_url):
    settings.CALLS["live"] += 1
    case.call_and_validate(base_url=live_url)


def test_stateful_create_then_read_back_live(live_url):
    stateful.run_live(stateful.machine_for(schema, mode="live", call_kwargs={"base_url": live_url}))
