"""The workers of a server share a burst of new connections (webapp/api/accept_share.py)."""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import time
from collections import deque
from types import SimpleNamespace

import pytest
from gunicorn.glogging import Logger

from tests.unit.test_gunicorn_workers import config
from webapp.api import accept_share, workers
from webapp.api.accept_share import ACCEPT_DEFER_SECONDS, PEER_STALE_SECONDS, AcceptShare, Board


def test_the_master_gives_each_live_worker_a_slot_of_its_own():
    board = Board(3)
    assert board.assign(SimpleNamespace(pid="[booting]")) == 0  # not forked yet: taken
    assert board.assign(SimpleNamespace(pid=os.getpid())) == 1
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert board.assign(SimpleNamespace(pid=gone.pid)) == 2
    assert board.assign(SimpleNamespace(pid=os.getpid())) == 2  # its worker is gone: free again
    assert board.assign(SimpleNamespace(pid=os.getpid())) is None  # all held: none


def test_a_worker_counts_its_live_peers_not_itself_nor_the_silent():
    board, now = Board(4), time.monotonic()
    board.write(0, 5, now)
    board.write(1, 3, now)
    board.write(2, 0, now - PEER_STALE_SECONDS - 1)  # stuck in a long request, or dead
    assert board.fewest_elsewhere(0, now) == 3
    assert board.fewest_elsewhere(1, now) == 5  # slot 3 was never written: never counted
    assert Board(2).fewest_elsewhere(0, now) is None


def test_the_board_is_shared_with_the_processes_forked_after_it():
    board = Board(2)
    pid = os.fork()
    if pid == 0:  # the worker's side: write and leave at once
        board.write(1, 7, time.monotonic())
        os._exit(0)
    os.waitpid(pid, 0)
    assert board.fewest_elsewhere(0, time.monotonic()) == 7


@pytest.fixture
def two():
    """This worker's share (slot 0) and the board where its peer (slot 1) writes."""
    board = Board(2)
    return AcceptShare(board, 0), board


def test_a_worker_ahead_of_a_peer_leaves_it_a_connection_for_a_moment_only(two):
    mine, board = two
    now = time.monotonic()
    board.write(1, 1, now)
    assert mine.leave_to_a_peer(2, now)
    assert mine.paused(now) == pytest.approx(ACCEPT_DEFER_SECONDS)
    assert mine.leave_to_a_peer(2, now + ACCEPT_DEFER_SECONDS / 2)
    assert not mine.leave_to_a_peer(2, now + ACCEPT_DEFER_SECONDS)  # nobody took it: this one
    assert mine.paused(now + ACCEPT_DEFER_SECONDS) == 0


@pytest.mark.parametrize(("held", "peer_holds"), [(0, 0), (0, 3), (1, 1), (1, 2), (4, 9)])
def test_a_worker_no_busier_than_a_peer_accepts_at_once(two, held, peer_holds):
    mine, board = two
    now = time.monotonic()
    board.write(1, peer_holds, now)
    assert not mine.leave_to_a_peer(held, now)
    assert mine.paused(now) == 0


def test_a_worker_alone_or_among_silent_peers_accepts_at_once(two):
    mine, board = two
    now = time.monotonic()
    board.write(1, 0, now - PEER_STALE_SECONDS - 1)
    assert not mine.leave_to_a_peer(5, now)
    assert not AcceptShare(board, None).leave_to_a_peer(5, now)  # a server of one worker


def test_a_wait_that_ended_long_ago_is_not_carried_over(two):
    mine, board = two
    now = time.monotonic()
    board.write(1, 0, now)
    assert mine.leave_to_a_peer(1, now)  # and the peer took that connection
    later = now + 1.0
    board.write(1, 0, later)
    assert mine.leave_to_a_peer(1, later)  # the next one waits again
    assert mine.paused(later) == pytest.approx(ACCEPT_DEFER_SECONDS)


@pytest.mark.parametrize(
    "worker_class", [workers.EventLoopWorkerWithJSONErrors, workers.ThreadWorkerWithJSONErrors]
)
def test_a_worker_ahead_leaves_the_listener_then_takes_what_nobody_took(worker_class, monkeypatch):
    monkeypatch.setattr(accept_share, "_board", Board(4))  # this server's, made by its master
    cfg = config()
    cfg.set("workers", 2)
    worker = worker_class(0, os.getpid(), [], None, 30, cfg, Logger(cfg))
    peer = accept_share._board.assign(SimpleNamespace(pid=os.getpid()))
    accept_share._board.write(peer, 0, time.monotonic())
    timeouts = []
    monkeypatch.setattr(
        workers.ThreadWorker,
        "wait_for_and_dispatch_events",
        lambda self, timeout: timeouts.append(timeout),
    )
    with socket.create_server(("127.0.0.1", 0)) as listener:
        worker.sockets, worker.poller = [listener], selectors.DefaultSelector()
        worker.set_accept_enabled(True)
        worker.nr_conns = 1  # a client it holds already, where the peer holds none
        with socket.create_connection(listener.getsockname()):
            worker.accept(listener)
            assert (worker.nr_conns, worker._accepting) == (1, False)  # left to the peer
            worker.wait_for_and_dispatch_events(1.0)
            assert 0 < timeouts[-1] <= ACCEPT_DEFER_SECONDS  # wakes to take it if still there
            assert accept_share._board.fewest_elsewhere(peer, time.monotonic()) == 1
            worker.set_accept_enabled(True)  # as gthread's loop does on every turn
            assert not worker._accepting
            time.sleep(ACCEPT_DEFER_SECONDS)
            worker.set_accept_enabled(True)
            assert worker._accepting
            worker.accept(listener)
            assert worker.nr_conns == 2  # nobody took it: this worker did
            worker.wait_for_and_dispatch_events(1.0)
            assert timeouts[-1] == 1.0
        worker.poller.close()


def test_a_connection_closing_after_its_last_answer_is_not_a_client_held():
    cfg = config()
    worker = workers.EventLoopWorkerWithJSONErrors(0, os.getpid(), [], None, 30, cfg, Logger(cfg))
    worker.poller, worker._lingering = selectors.DefaultSelector(), deque()
    client, server = socket.socketpair()
    with client:
        worker.nr_conns = 2
        worker._linger(server)  # the answer ended the connection: only the client's end is awaited
        assert (worker.nr_conns, worker._clients()) == (3, 2)
        client.close()
        worker.wait_for_and_dispatch_events(0)
        assert (worker.nr_conns, worker._clients()) == (2, 2)
    worker.poller.close()
