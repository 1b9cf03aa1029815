"""harness.common.procs: connections_held, read from Linux's /proc."""

import os
import socket
from pathlib import Path

import pytest

from harness.common.procs import ESTABLISHED, HALF_CLOSED, connections_held

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc")


def test_connections_held_counts_the_accepted_connections_in_the_states_asked():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            with accepted:
                # the listener and the client's own socket are not connections to PORT
                assert connections_held(os.getpid(), port) == 1
                accepted.shutdown(socket.SHUT_WR)
                assert client.recv(1) == b""  # the client has seen the end
                assert connections_held(os.getpid(), port) == 0
                assert connections_held(os.getpid(), port, (ESTABLISHED, *HALF_CLOSED)) == 1
            assert connections_held(os.getpid(), port, (ESTABLISHED, *HALF_CLOSED)) == 0


def test_connections_held_by_another_process_are_not_counted():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = listener.accept()
            with accepted:
                assert connections_held(os.getppid(), port) == 0
