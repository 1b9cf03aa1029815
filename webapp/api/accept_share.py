"""The new connections of a burst shared between a server's workers, not all taken by one.

Every worker of a gunicorn server polls the one listening socket, and a new connection goes to
whichever worker calls ``accept`` first. A worker that is running (serving a request) wins that
race against one asleep in its poller, which must first be scheduled: on a machine whose CPUs
are busy, that takes milliseconds. So the connections a client opens together (a connection
pool, a load test's) can all go to one worker and stay there for as long as the client keeps
them alive, while the other workers idle. The benchmark saw it in about a third of its rounds
of the list of 1,000 beside the original service: one worker at 2.0 s of CPU in a 2 s run with all
8 connections, its peer at 0.0 with none, and half the requests per second of the other runs.
gunicorn's sync worker cannot do this (it accepts only when idle); the event-loop worker holds
many connections and accepts between requests.

So the workers of a server share a board in memory, which the master makes before it forks
them: each writes, at every turn of its loop, how many clients it holds and when. A worker that
holds more clients than a live peer leaves a new connection to that peer for up to
``ACCEPT_DEFER_SECONDS``, and takes it itself after that if it is still waiting (the peer may be
busy or stuck): no connection waits longer for want of a worker. A worker that holds no client,
or no more than every peer, accepts at once, so a client that opens a connection per request is
not slowed. A peer that has not written for ``PEER_STALE_SECONDS`` (stuck in a long request, or
dead) is not counted.

gunicorn's ``reuse_port`` gives each worker a listening socket of its own and lets the kernel
spread connections by a hash instead; it was not taken: the connections queued on a worker's
socket are reset when that worker exits (a recycled, timed-out or killed worker), and a hash
still puts 7 or 8 of 8 connections on one of two workers 7% of the time.
"""

from __future__ import annotations

import mmap
import os
import struct
import time

# How long a worker that holds more clients than a peer leaves a new connection to it.
ACCEPT_DEFER_SECONDS = 0.005
# A worker writes at least once a second (its poller's timeout); one silent for longer than this
# is serving one request for seconds, or gone.
PEER_STALE_SECONDS = 3.0
# Slots per worker the server runs: a recycled worker's successor starts while it stops.
SLOTS_PER_WORKER = 2
MIN_SLOTS = 8

# One slot: the time.monotonic() of its last write (the same clock in every process), and the
# number of clients its worker holds. A slot never written reads as written at 0: stale.
_SLOT = struct.Struct("=dq")


def _alive(pid) -> bool:
    """Whether a worker's process may still run; a worker not forked yet (gunicorn's pid is
    "[booting]" until then) counts, as its slot is taken."""
    if not isinstance(pid, int):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Board:
    """Shared memory, one slot per worker: made in the master, inherited by the forked workers.

    The master gives each new worker a slot (``assign``) before it forks it, so two live workers
    never share one; only the master assigns, so no lock is needed. Each worker writes only its
    own slot, and a torn read of another's (one 16-byte write racing one read) can only make a
    peer look busier, fresher or staler for one decision.
    """

    def __init__(self, slots: int):
        self.slots = slots
        self._map = mmap.mmap(-1, _SLOT.size * slots)  # MAP_SHARED: seen across fork
        self._owners: list = [None] * slots  # in the master: the worker given each slot

    def assign(self, worker) -> int | None:
        """In the master: a slot for this worker, not held by another live one; None if all
        are (the worker then accepts as if alone)."""
        for slot, owner in enumerate(self._owners):
            if owner is None or not _alive(owner.pid):
                self._owners[slot] = worker
                self.write(slot, 0, time.monotonic())  # live from now, until it writes itself
                return slot
        return None

    def write(self, slot: int, clients: int, now: float) -> None:
        _SLOT.pack_into(self._map, slot * _SLOT.size, now, clients)

    def fewest_elsewhere(self, slot: int, now: float) -> int | None:
        """The fewest clients a live worker other than this slot's holds; None if none is live."""
        fewest = None
        for other in range(self.slots):
            if other == slot:
                continue
            written, clients = _SLOT.unpack_from(self._map, other * _SLOT.size)
            if now - written <= PEER_STALE_SECONDS and (fewest is None or clients < fewest):
                fewest = clients
        return fewest


_board: Board | None = None


def board_for(workers: int) -> Board:
    """The server's board, made on first use: in the master, when it creates its first worker."""
    global _board
    if _board is None:
        _board = Board(max(MIN_SLOTS, SLOTS_PER_WORKER * workers))
    return _board


class AcceptShare:
    """A worker's side: its slot, what it writes each turn, and whether to accept now."""

    def __init__(self, board: Board, slot: int | None):
        self.board = board
        self.slot = slot
        self.deferred_until: float | None = None  # while set and ahead, the listener is left

    def publish(self, clients: int, now: float) -> None:
        if self.slot is not None:
            self.board.write(self.slot, clients, now)

    def leave_to_a_peer(self, clients: int, now: float) -> bool:
        """Whether a new connection should be left to a peer now (see the module)."""
        if not clients or self.slot is None:
            self.deferred_until = None
            return False
        fewest = self.board.fewest_elsewhere(self.slot, now)
        if fewest is None or clients <= fewest:
            self.deferred_until = None
            return False
        if self.deferred_until is None or now > self.deferred_until + ACCEPT_DEFER_SECONDS:
            # A new wait, not one that ended long ago (a peer took that connection).
            self.deferred_until = now + ACCEPT_DEFER_SECONDS
        if now >= self.deferred_until:
            self.deferred_until = None  # nobody took it: this worker does
            return False
        return True

    def paused(self, now: float) -> float:
        """Seconds left before this worker takes a connection it left, or 0."""
        if self.deferred_until is None:
            return 0.0
        return max(0.0, self.deferred_until - now)
