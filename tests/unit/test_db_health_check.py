"""The health check of a reused PostgreSQL connection at the start of a request: no round trip
while the connection is idle and the server has said nothing on it; the full check, and a new
connection, once the server has ended it (here: a real throwaway cluster)."""

import time

import psycopg
import pytest

from harness.testing.postgres import server_available, throwaway_cluster

pytestmark = pytest.mark.skipif(
    not server_available(), reason="needs the postgresql server package"
)


def backend_pid(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def new_request(connection) -> None:
    """What Django does between two requests (request_started, close_old_connections)."""
    connection.close_if_unusable_or_obsolete()
    assert not connection.health_check_done


@pytest.fixture
def reused(django_db_blocker, pg_connection):
    """(url, a kept connection at the start of a new request, its backend's pid)."""
    with throwaway_cluster() as (url, _), django_db_blocker.unblock():
        connection = pg_connection(url, conn_max_age=60)
        pid = backend_pid(connection)
        new_request(connection)
        yield url, connection, pid
        connection.close()


def test_an_idle_connection_the_server_kept_is_reused_without_a_round_trip(reused):
    _, connection, pid = reused

    def no_round_trip(*args, **kwargs):
        raise AssertionError("the health check sent a query")

    raw = connection.connection
    raw.cursor = no_round_trip  # what Django's own check (SELECT 1) would call
    connection.close_if_health_check_failed()
    assert connection.health_check_done
    assert connection.connection is raw, "a healthy connection was closed"
    del raw.cursor
    assert backend_pid(connection) == pid


def test_a_connection_the_server_ended_is_replaced_before_the_first_query(reused):
    url, connection, pid = reused
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.5)  # the server's FATAL message and its close reach this socket
    # The first query of the request gets a new connection instead of failing with 503.
    assert backend_pid(connection) != pid
