"""Django's PostgreSQL backend, every round trip bounded by the client-side deadline, the
health check of a reused connection without a round trip when the connection is plainly fine, and
reads (``fetch_rows``) sent through libpq without a cursor.

Queries, the full health check (``is_usable``), commit and rollback all wait on the server;
each is bounded by ``OPTIONS["client_deadline"]`` seconds (settings.py: the statement timeout
plus a margin, so that the server's own timeout, with its clearer error, normally fires first).
"""

import select
from collections.abc import Sequence
from functools import lru_cache

from django.db.backends.postgresql import base
from psycopg import errors, pq
from psycopg.adapt import Transformer
from psycopg.pq import TransactionStatus

from webapp.db.deadline import WATCHDOG
from webapp.db.rows import cursor_rows


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, *args, **kwargs):
        settings_dict = {**settings_dict, "OPTIONS": dict(settings_dict.get("OPTIONS") or {})}
        self.client_deadline = float(settings_dict["OPTIONS"].pop("client_deadline", 10))
        super().__init__(settings_dict, *args, **kwargs)
        self.execute_wrappers.append(self._bounded_execute)

    def _fd(self) -> int | None:
        if self.connection is None:
            return None
        try:
            return self.connection.fileno()
        except base.Database.OperationalError:  # already lost: nothing left to wait on
            return None

    def _bounded_execute(self, execute, sql, params, many, context):
        with WATCHDOG.bound(self._fd(), self.client_deadline):
            return execute(sql, params, many, context)

    def is_usable(self):
        with WATCHDOG.bound(self._fd(), self.client_deadline):
            return super().is_usable()

    def _commit(self):
        with WATCHDOG.bound(self._fd(), self.client_deadline):
            return super()._commit()

    def _rollback(self):
        with WATCHDOG.bound(self._fd(), self.client_deadline):
            return super()._rollback()

    def close_if_health_check_failed(self):
        # Django's check (CONN_HEALTH_CHECKS) sends "SELECT 1" before the first query of every
        # request: a second round trip for GET one, about a quarter of its CPU in the profile
        # (docs/performance.md). Between requests a usable connection is idle and the server
        # sends nothing on it; a server that ended it (a restart, pg_terminate_backend, an
        # idle timeout) has sent its FATAL error and closed the socket, which makes it readable.
        # So an idle connection with nothing to read is used as it is, and any other gets the
        # full check. A server that vanished without a word is not caught here but by the first
        # query's client deadline (503), as it would have been by the full check's.
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self._idle_with_nothing_to_read()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_with_nothing_to_read(self) -> bool:
        connection = self.connection
        if connection.broken or connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        fd = self._fd()
        if fd is None:
            return False
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)  # also reports POLLHUP and POLLERR, asked or not

    def fetch_rows(self, sql: str, params: Sequence[int | str]) -> list[tuple]:
        """The rows of a read (SQL with ``%s`` placeholders), as a cursor's ``fetchall`` gives
        them, sent through libpq (``psycopg.pq``) without Django's cursor or psycopg's.

        The two cursors' Python around a query cost about a fifth of a GET of one user in
        process (docs/performance.md), more than the round trip's own CPU. What they do for a
        query is done here as well: the health check and connecting, the thread-sharing and
        broken-transaction checks, psycopg's errors translated to Django's (which marks the
        connection for the check at the end of the request), the client deadline, and the
        values loaded by psycopg's own loaders for their types. Where more is asked, the query
        goes through a cursor as before: a transaction open (psycopg begins it on the first
        query), queries logged (DEBUG, tests that count queries), another execute wrapper, a
        parameter other than an int (up to int8) or a str without a NUL.
        """
        self.close_if_health_check_failed()
        self.ensure_connection()  # refuses, as a cursor does, to run in an event loop
        self.validate_thread_sharing()
        self.validate_no_broken_transaction()
        types = [_parameter_type(value) for value in params]
        if (
            not self.get_autocommit()
            or self.queries_logged
            or self.execute_wrappers != [self._bounded_execute]
            or None in types
        ):
            return cursor_rows(self, sql, params)
        connection = self.connection
        pgconn = connection.pgconn
        encoding = connection.info.encoding
        values = [str(value).encode(encoding) for value in params]
        with self.wrap_database_errors, WATCHDOG.bound(self._fd(), self.client_deadline):
            result = pgconn.exec_params(_numbered(sql, len(values)), values, types)
            status = result.status
            if status == pq.ExecStatus.FATAL_ERROR and pgconn.status == pq.ConnStatus.BAD:
                # Lost (ended by the server, cut by the deadline): libpq's result has no
                # SQLSTATE, and psycopg's cursor raises OperationalError for it, an outage.
                message = pgconn.error_message.decode(encoding, "replace").strip()
                raise errors.OperationalError(f"the connection was lost: {message}")
            if status == pq.ExecStatus.FATAL_ERROR:
                raise errors.error_from_result(result, encoding=encoding)
            if status != pq.ExecStatus.TUPLES_OK:  # as a cursor's fetchall() refuses it
                kind = pq.ExecStatus(status).name
                raise errors.ProgrammingError(f"the statement gave no rows ({kind})")
        loader = Transformer(connection)
        loader.set_pgresult(result)
        return loader.load_rows(0, result.ntuples, tuple)


def _parameter_type(value) -> int | None:
    """The type OID that psycopg's cursor gives this value as a literal in the SQL: an int is an
    int4 or, beyond, an int8 literal; a str is a quoted literal, its type inferred by the server
    from where it stands (OID 0). None for anything else: it goes through a cursor, as does a str
    with a NUL, which libpq would cut short at the NUL (a text parameter is a C string) where
    psycopg refuses it."""
    kind = type(value)
    if kind is str:
        return None if "\x00" in value else 0
    if kind is int:
        if -(2**31) <= value < 2**31:
            return 23
        if -(2**63) <= value < 2**63:
            return 20
    return None


@lru_cache(maxsize=64)
def _numbered(sql: str, count: int) -> bytes:
    """``%s`` placeholders as libpq's ``$1``, ``$2``...; ``%%`` as ``%``, as psycopg reads them."""
    return (sql % tuple(f"${n}" for n in range(1, count + 1))).encode()
