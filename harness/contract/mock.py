"""A mock of the API from its contract alone: Stoplight Prism's ``mock`` on contract/openapi.yaml,
pinned in contract/mock/package-lock.json and installed with ``npm ci`` on first use.

    python3 toxw -e mock                             # http://127.0.0.1:4010, Ctrl-C stops it
    python3 toxw -e mock -- --port 4011 --host 127.0.0.1

    with MockServer() as mock:                       # a free loopback port, for tests
        requests.get(mock.url + "/api/users/")

It answers each request with the contract's example for the operation's lowest documented
success status, or with the status and example a ``Prefer`` header asks for (``code=404``,
``example=UserAlreadyExists``); it refuses a request the contract calls invalid (a body, path
parameter or media type that breaks it) with that operation's documented 4xx, whatever the
``Prefer`` header, and names the violations in an ``sl-violations`` header. It stores nothing.
docs/contract.md, "The mock server", says more.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.common.paths import CONTRACT, ROOT
from harness.common.procs import free_port, run_until_stopped, stop_process
from harness.contract import npm
from harness.testing.live_server import NotReady, wait_ready

MOCK_DIR = ROOT / "contract" / "mock"
DEFAULT_PORT = 4010
DEFAULT_HOST = "127.0.0.1"
READY_PATH = "/healthz/"  # answered from its example, as every path is


def prism() -> Path:
    """The pinned Prism CLI, installed first if needed."""
    return npm.ensure(MOCK_DIR) / "prism"


def command(host: str, port: int, contract: Path = CONTRACT) -> list[str]:
    return [str(prism()), "mock", "--host", host, "--port", str(port), str(contract)]


class MockServer:
    """Prism on a free loopback port: started and ready on enter, stopped on exit."""

    def __init__(self, contract: Path = CONTRACT, ready_timeout: float = 60):
        self.contract = contract
        self.ready_timeout = ready_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="mock-")
        self.log_path = Path(self._tmp.name) / "prism.log"
        self.process: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> MockServer:
        argv = command("127.0.0.1", self.port, self.contract)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            self.ready_seconds = wait_ready(
                self.url, self.ready_timeout, path=READY_PATH, max_delay=0.2, process=self.process
            )
        except NotReady as exc:
            stop_process(self.process, 10)
            raise NotReady(f"{exc}\n--- prism log ---\n{self.log()}") from None
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            stop_process(self.process, 10)
        self._tmp.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 toxw -e mock --",
        description="Serve a mock of the API from contract/openapi.yaml (Stoplight Prism).",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        argv = command(args.host, args.port)
    except npm.NpmMissing as exc:
        print(f"mock: {exc}", file=sys.stderr)
        return 1
    print(
        f"Mock of contract/openapi.yaml on http://{args.host}:{args.port}/api/ "
        "(Stoplight Prism; docs/contract.md); Ctrl-C stops it",
        flush=True,
    )
    code, stopped_by = run_until_stopped(argv, signal.SIGINT, grace=10)
    if stopped_by:
        print(f"mock stopped on {stopped_by}", flush=True)
        return 0
    print(f"mock: Prism exited with {code}", file=sys.stderr)
    return code or 1


if __name__ == "__main__":
    sys.exit(main())
