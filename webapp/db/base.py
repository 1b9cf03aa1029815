"""Django's PostgreSQL backend, every round trip bounded by the client-side deadline.

Queries, the health check of a reused connection (``is_usable``), commit and rollback all wait
on the server; each is bounded by ``OPTIONS["client_deadline"]`` seconds (settings.py: the
statement timeout plus a margin, so that the server's own timeout, with its clearer error,
normally fires first).
"""

from django.db.backends.postgresql import base

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

    def _commit(self):
        with WATCHDOG.bound(self._fd(), self.client_deadline):
            return super()._commit()

    def _rollback(self):
        with WATCHDOG.bound(self._fd(), self.client_deadline):
            return super()._rollback()
