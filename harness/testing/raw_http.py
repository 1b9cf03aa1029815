"""Requests written by hand on a socket: for a request that must stay in flight, and for bytes
that a client library would refuse to send or tidy up (hostile input).

Every raw-socket exchange of the test suites goes through this module, and is recorded for the
contract-coverage gate (harness/testing/exchanges.py) like any client's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket

from harness.testing import exchanges

_STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})[ \r]")


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


@dataclasses.dataclass
class RawResponse:
    """What came back on the socket: ``status`` None when it was no HTTP answer."""

    status: int | None
    headers: dict[str, str]  # names lower-cased; a repeated header keeps its last value
    body: bytes
    raw: bytes
    error: str | None = None  # the socket error that ended the exchange, if any

    def json(self):
        return json.loads(self.body)


def parse_response(raw: bytes, error: str | None = None) -> RawResponse:
    """Split the bytes of one HTTP/1.x answer into its status, headers and body."""
    head, _, body = raw.partition(b"\r\n\r\n")
    match = _STATUS_LINE.match(head)
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    status = int(match.group(1)) if match else None
    return RawResponse(status, headers, body, raw, error)


def exchange(port: int, data: bytes, timeout: float = 15, limit: int = 65536) -> RawResponse:
    """Connect to 127.0.0.1:PORT, send these bytes as they are, read until the server closes.

    The server may answer (413, 400) and close before it has read everything, so a failed send
    is not an error; reading stops after ``limit`` bytes. Send ``Connection: close`` in the
    request, or the read waits for the keep-alive timeout.
    """
    answer = b""
    error = None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(data)
        try:
            while len(answer) < limit and (chunk := sock.recv(65536)):
                answer += chunk
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
    return _recorded(data, parse_response(answer, error))


def _recorded(request: bytes, response: RawResponse) -> RawResponse:
    if response.status is not None:  # recorded for the contract-coverage gate like any client's
        exchanges.record_raw(request, response.status, response.headers, response.body)
    return response


def read_responses(sock: socket.socket, sent: list[bytes]) -> list[RawResponse]:
    """Read one answer for each request in SENT from a kept-alive connection, in order, each
    framed by its Content-Length, and record each like ``exchange`` does.

    Returns fewer answers than requests when the server closes the connection first; a socket
    error (a reset, a timeout) is raised to the caller.
    """
    buffer, answers = b"", []
    while len(answers) < len(sent):
        head_end = buffer.find(b"\r\n\r\n")
        if head_end < 0:
            if not (chunk := sock.recv(65536)):
                break  # the server closed the connection
            buffer += chunk
            continue
        length = int(parse_response(buffer[: head_end + 4]).headers.get("content-length", "0"))
        end = head_end + 4 + length
        while len(buffer) < end and (chunk := sock.recv(65536)):
            buffer += chunk
        if len(buffer) < end:
            break
        answers.append(_recorded(sent[len(answers)], parse_response(buffer[:end])))
        buffer = buffer[end:]
    return answers
