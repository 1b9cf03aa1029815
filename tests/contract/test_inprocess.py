"""Property-based contract tests, in-process against the Django WSGI app and its test database."""

import pytest
from django.core import signals
from django.db import close_old_connections, transaction

from harness.contract import settings, stateful
from webapp.users.models import User
from webapp.wsgi import application

schema = settings.load("inprocess")
schema.app = application


@pytest.fixture(autouse=True)
def keep_test_connection():
    """The app is called in this thread, on the test's database connection, inside a transaction
    that is rolled back. Like Django's own test client, keep the request signals from closing that
    connection at the end of each request (PostgreSQL would lose the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
def test_operation_honours_the_contract(case):
    # Each generated case runs in its own transaction, rolled back after it: cases never see each
    # other's users.
    with transaction.atomic():
        settings.CALLS["inprocess"] += 1
        case.call_and_validate()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_stateful_create_then_read_back():
    stateful.run(stateful.machine_for(schema, mode="inprocess", isolate=_RolledBack))


class _RolledBack:
    """Each scenario starts from an empty users table and leaves nothing behind."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        User.objects.all().delete()

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
