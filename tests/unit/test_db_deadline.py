"""Every wait for PostgreSQL is bounded, even when the server stops answering without closing
its connections (here: a real throwaway cluster, stopped with SIGSTOP and resumed)."""

import os
import socket
import time

import pytest
from django.db import OperationalError

from harness.testing.postgres import frozen, server_available, throwaway_cluster
from webapp.db.deadline import Watchdog

DEADLINE = 1.0  # seconds, the client deadline under test
MARGIN = 3.0  # the watchdog's tick, scheduling on a busy machine


def test_the_watchdog_cuts_a_round_trip_that_outlives_its_deadline():
    watchdog = Watchdog()
    ours, theirs = socket.socketpair()  # a peer that accepts and never answers
    with ours, theirs:
        ours.settimeout(30)  # the test's own safety net, far above the deadline
        with watchdog.bound(ours.fileno(), 0.2):
            received = ours.recv(1)  # blocks until the watchdog shuts the socket down
        assert received == b""
        assert watchdog.fired == 1


def test_a_round_trip_within_its_deadline_is_left_alone():
    watchdog = Watchdog()
    ours, theirs = socket.socketpair()
    with ours, theirs, watchdog.bound(ours.fileno(), 5):
        theirs.sendall(b"x")
        assert ours.recv(1) == b"x"
    time.sleep(3 * Watchdog.TICK)
    assert watchdog.fired == 0
    with watchdog.bound(None, 0.1):  # no connection yet: nothing to watch
        pass


def test_a_forked_worker_gets_a_watchdog_thread_of_its_own():
    """A server may fork its workers from a master whose watchdog may have run already: the thread
    does not survive the fork, so each worker must start its own."""
    watchdog = Watchdog()
    ours, theirs = socket.socketpair()
    with ours, theirs:
        with watchdog.bound(ours.fileno(), 5):  # the parent's thread runs
            pass
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through its exit status
            status = 1
            try:
                ours.settimeout(5)
                with watchdog.bound(ours.fileno(), 0.2):
                    status = 0 if ours.recv(1) == b"" else 2
            finally:
                os._exit(status)
        _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # 1: nothing cut the round trip in the child


def bounded(call) -> tuple[float, Exception | None]:
    start = time.monotonic()
    try:
        call()
    except OperationalError as exc:
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


@pytest.mark.skipif(not server_available(), reason="needs the postgresql server package")
def test_a_frozen_postgresql_fails_fast_and_the_connection_recovers(
    django_db_blocker, pg_connection
):
    # Its own cluster, to freeze, outside pytest-django's test database.
    with throwaway_cluster() as (url, datadir), django_db_blocker.unblock():
        connection = pg_connection(url, deadline=DEADLINE)

        def select_one():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")

        select_one()  # connected and answering
        with frozen(datadir):
            # The health check of a reused connection, at the start of a request, is bounded...
            start = time.monotonic()
            assert not connection.is_usable()
            assert time.monotonic() - start < DEADLINE + MARGIN
            connection.close()
        select_one()  # a new connection, after the server resumed
        with frozen(datadir):
            # ... and so is every query of a connection the server stopped answering.
            seconds, error = bounded(select_one)
            assert error is not None, "a query on a frozen server must fail, not wait"
            assert seconds < DEADLINE + MARGIN, f"the query waited {seconds:.1f}s"
            connection.close()
            seconds, error = bounded(select_one)  # a new connection: connect_timeout
            assert error is not None
            assert seconds < 2 + MARGIN, f"connecting waited {seconds:.1f}s"
        connection.close()
        select_one()  # resumed: a new connection works without a restart
        connection.close()
