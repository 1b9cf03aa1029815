"""Django's PostgreSQL backend, every round trip bounded by the client-side deadline, the
health check of a reused connection without a round trip when the connection is plainly fine.

Queries and the full health check (``is_usable``) wait on the server; each is bounded by
``OPTIONS["client_deadline"]`` seconds (settings.py: the statement timeout
plus a margin, so that the server's own timeout, with its clearer error, normally fires first).
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from webapp.db.deadline import WATCHDOG


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
