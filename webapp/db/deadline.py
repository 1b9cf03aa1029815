"""A client-side deadline on each database round trip.

A PostgreSQL that stops answering without closing its connections (a stopped process, a
network partition that drops packets, a full disk) is not caught by any server-side timeout,
and its kernel still acknowledges TCP, so keep-alives and ``tcp_user_timeout`` see nothing
wrong: without a deadline a request waits for ever and holds a thread of the server. One
watchdog thread per process shuts down the socket of a round trip that is over its deadline, so
the waiting call fails at once with the driver's OperationalError, which the service answers
with 503.

libpq has no per-call client timeout, and a cancel request would need the frozen server to
answer it; shutting the socket down from another thread is the one thing that always works.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import threading
import time


class Watchdog:
    """Deadlines of the round trips under way in this process, and the thread that enforces
    them. Started on first use in each process (a server may fork its workers from a master)."""

    TICK = 0.1  # seconds between checks: the bound is met within this

    def __init__(self):
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[float, int]] = {}
        self._tokens = itertools.count()
        self._started = False
        self.fired = 0  # round trips cut short, for tests and logs
        # A forked child has no thread (threads do not survive a fork), none of its parent's round
        # trips, and maybe a lock that the parent's thread held at the fork. Told by the fork
        # itself: asking os.getpid() on every round trip was a system call per query.
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        self._lock = threading.Lock()
        self._watched.clear()
        self._started = False

    def _ensure_thread(self) -> None:
        if not self._started:
            self._started = True
            threading.Thread(target=self._run, name="db-deadline", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                for token, (deadline, fd) in list(self._watched.items()):
                    if now >= deadline:
                        del self._watched[token]
                        self._cut(fd)

    def _cut(self, fd: int) -> None:
        # Under the lock: the round trip's own thread cannot finish and close its socket (and
        # let the descriptor be reused) between the check above and this shutdown.
        with contextlib.suppress(OSError):
            sock = socket.socket(fileno=os.dup(fd))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.close()
            self.fired += 1

    @contextlib.contextmanager
    def bound(self, fd: int | None, seconds: float):
        """Cut the connection on FD if what runs inside takes longer than SECONDS."""
        if fd is None or fd < 0:
            yield
            return
        with self._lock:
            self._ensure_thread()
            token = next(self._tokens)
            self._watched[token] = (time.monotonic() + seconds, fd)
        try:
            yield
        finally:
            with self._lock:
                self._watched.pop(token, None)


WATCHDOG = Watchdog()
