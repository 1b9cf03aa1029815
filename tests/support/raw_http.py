"""Requests written by hand on a socket, for tests that need a request to stay in flight."""

from __future__ import annotations

import json
import socket


def start_half_sent_post(
    port: int, payload: dict, path: str = "/api/users/", timeout: float = 30
) -> tuple[socket.socket, bytes]:
    """Connect to 127.0.0.1:PORT and send a JSON POST with only half of its body.

    The server has accepted the request and a worker is reading it: it is in flight until the
    caller sends the rest. Returns the socket and the rest of the body.
    """
    body = json.dumps(payload).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    half = len(body) // 2
    sock.sendall(head + body[:half])
    return sock, body[half:]
