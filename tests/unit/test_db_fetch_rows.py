"""The PostgreSQL backend's reads without a cursor (``fetch_rows``, webapp/db/base.py): the rows a
cursor's ``fetchall`` gives, Django's checks and errors around them, and a cursor wherever more
than a plain read is asked (here: a real throwaway cluster)."""

import asyncio
import datetime
import threading

import psycopg
import pytest
from django.core.exceptions import SynchronousOnlyOperation
from django.db import DatabaseError, DataError, OperationalError, ProgrammingError
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from psycopg.pq import TransactionStatus

from harness.testing.postgres import server_available, throwaway_cluster
from tests.unit.test_db_deadline import connection_to
from webapp.db.base import _numbered

pytestmark = pytest.mark.skipif(
    not server_available(), reason="needs the postgresql server package"
)

DAY = datetime.date(2026, 12, 6)

# Each with the parameters a read of the service passes: ints and strs.
READS = [
    ("SELECT 1", []),
    ("SELECT %s, %s, %s", [7, -(2**63), 2**63 - 1]),
    ("SELECT %s, %s", ["Ada Lovelace", "\u00e9\u2028\u2029\U0001f600 \" ' \\ ; --"]),
    ("SELECT 'a%%b', %s::text, NULL, 2.5::numeric, true", ["%s"]),
    ("SELECT n, repeat('x', n) FROM generate_series(1, %s) AS n ORDER BY n", [300]),
    ("SELECT n FROM generate_series(1, 3) AS n WHERE n > %s", [5]),  # no row
    ("SELECT %s::bigint + 1 WHERE %s = 'yes'", [41, "yes"]),
]


@pytest.fixture(scope="module")
def cluster_url(django_db_blocker):
    with throwaway_cluster() as (url, _), django_db_blocker.unblock():
        yield url


@pytest.fixture
def connection(cluster_url, django_db_blocker):
    with django_db_blocker.unblock():
        connection = connection_to(cluster_url, conn_max_age=60)
        connection.ensure_connection()
        yield connection
        connection.close()


def fetch_all(connection, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def without_cursors(connection, monkeypatch):
    """Both cursors made unusable: Django's wrapper and psycopg's own."""

    def no_cursor(*args, **kwargs):
        raise AssertionError("the read went through a cursor")

    monkeypatch.setattr(connection, "cursor", no_cursor)
    monkeypatch.setattr(connection.connection, "cursor", no_cursor)


@pytest.mark.parametrize(("sql", "params"), READS)
def test_the_rows_are_a_cursors_rows_without_a_cursor(connection, monkeypatch, sql, params):
    expected = fetch_all(connection, sql, params)
    without_cursors(connection, monkeypatch)
    assert connection.fetch_rows(sql, params) == expected


def test_placeholders_become_libpqs_and_a_doubled_percent_one():
    assert _numbered("SELECT %s, '%%', %s", 2) == b"SELECT $1, '%', $2"


def test_a_database_error_is_djangos_and_marks_the_connection(connection, monkeypatch):
    without_cursors(connection, monkeypatch)
    connection.errors_occurred = False
    with pytest.raises(ProgrammingError, match="no_such_table"):
        connection.fetch_rows("SELECT * FROM no_such_table WHERE id = %s", [1])
    assert connection.errors_occurred  # checked at the end of the request, as for a cursor
    assert connection.fetch_rows("SELECT %s", [1]) == [(1,)]  # autocommit: nothing to roll back


def test_a_statement_without_rows_is_refused_as_fetchall_refuses_it(connection, monkeypatch):
    with pytest.raises(ProgrammingError):
        fetch_all(connection, "DO $$BEGIN END$$", [])
    without_cursors(connection, monkeypatch)
    with pytest.raises(ProgrammingError, match="no rows"):
        connection.fetch_rows("DO $$BEGIN END$$", [])


def test_a_str_with_a_nul_is_refused_as_a_cursor_refuses_it(connection):
    """libpq reads a text parameter up to its first NUL: sent to it, "1\x00 OR ..." would
    have been read as "1"."""
    sql, params = "SELECT %s::text", ["NUL \x00 inside"]
    with pytest.raises(DataError):
        fetch_all(connection, sql, params)
    with pytest.raises(DataError):
        connection.fetch_rows(sql, params)


def test_a_statement_timeout_is_an_operational_error(connection, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 100")
    without_cursors(connection, monkeypatch)
    with pytest.raises(OperationalError, match="statement timeout"):
        connection.fetch_rows("SELECT pg_sleep(%s)", [2])


def test_a_lost_connection_is_an_operational_error(connection, cluster_url, monkeypatch):
    pid = fetch_all(connection, "SELECT pg_backend_pid()", [])[0][0]
    with psycopg.connect(cluster_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.health_check_done = True  # past the check of the request's start
    without_cursors(connection, monkeypatch)
    for attempt in ("the read that finds it lost", "a read after it"):
        with pytest.raises(OperationalError):
            connection.fetch_rows("SELECT %s", [1])
        assert connection.errors_occurred, attempt


def test_a_transaction_is_begun_by_a_cursor_as_for_any_query(connection):
    connection.set_autocommit(False)
    try:
        assert connection.fetch_rows("SELECT %s", [1]) == [(1,)]
        status = connection.connection.info.transaction_status
        assert status == TransactionStatus.INTRANS, "a read outside the transaction"
    finally:
        connection.rollback()
        connection.set_autocommit(True)


def test_logged_queries_and_execute_wrappers_see_the_read(connection):
    with CaptureQueriesContext(connection) as queries:
        assert connection.fetch_rows("SELECT %s", [3]) == [(3,)]
    assert [query["sql"] for query in queries] == ["SELECT 3"]
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert connection.fetch_rows("SELECT %s", [4]) == [(4,)]
    assert seen == ["SELECT %s"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (None, None), (2.5, 2.5), (DAY, DAY), (2**63, 2**63)],
)
def test_other_parameters_are_adapted_by_a_cursor(connection, value, expected):
    assert connection.fetch_rows("SELECT %s", [value]) == [(expected,)]


def test_djangos_checks_are_kept(connection):
    connection.needs_rollback = True
    try:
        with pytest.raises(TransactionManagementError):
            connection.fetch_rows("SELECT %s", [1])
    finally:
        connection.needs_rollback = False
    errors = []

    def from_another_thread():
        try:
            connection.fetch_rows("SELECT %s", [1])
        except DatabaseError as exc:
            errors.append(exc)

    thread = threading.Thread(target=from_another_thread)
    thread.start()
    thread.join()
    assert len(errors) == 1
    assert "thread" in str(errors[0])

    async def from_an_event_loop():
        connection.fetch_rows("SELECT %s", [1])

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(from_an_event_loop())


def test_a_closed_connection_is_opened_first(connection):
    connection.close()
    assert connection.connection is None
    assert connection.fetch_rows("SELECT %s", [5]) == [(5,)]
