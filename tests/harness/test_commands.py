"""harness.testing.commands: a command started as a terminal starts it, waited for, and stopped
the ways a developer stops it."""

import sys
import time

import pytest

from harness.common.procs import free_port, group_alive
from harness.testing.commands import WAYS_TO_STOP, start_command, stop_as
from harness.testing.live_server import NotReady

# A server that answers /readyz with 200 and reports the signal that stops it.
SERVER = """
import http.server, signal, sys
class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/readyz" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
def stopped(number, frame):
    print("stopped on", signal.Signals(number).name, flush=True)
    sys.exit(0)
signal.signal(signal.SIGINT, stopped)
signal.signal(signal.SIGTERM, stopped)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Ready).serve_forever()
"""


@pytest.mark.parametrize("how", WAYS_TO_STOP)
def test_a_command_is_ready_then_stopped_as_a_developer_stops_it(how):
    port = free_port()
    server = start_command([sys.executable, "-c", SERVER, str(port)], f"http://127.0.0.1:{port}")
    sent = stop_as(server, how)
    output, _ = server.communicate(timeout=10)
    assert sent == ("SIGTERM" if how == "sigterm" else "SIGINT")
    assert output.strip() == f"stopped on {sent}"
    assert not group_alive(server.pid)


def test_a_command_that_exits_first_is_reported_with_its_output_at_once():
    start = time.monotonic()
    with pytest.raises(
        NotReady, match=r"(?s)server exited with 2.*--- its output ---\nno such thing"
    ):
        start_command(
            [sys.executable, "-c", "import sys; print('no such thing'); sys.exit(2)"],
            f"http://127.0.0.1:{free_port()}",
        )
    assert time.monotonic() - start < 5


def test_a_command_never_ready_is_killed_with_its_whole_group(tmp_path):
    # A shell that starts a child of its own: both are in the command's process group, whose id
    # is the shell's pid (it leads a session of its own).
    pid_file = tmp_path / "pid"
    command = ["sh", "-c", f"echo $$ > {pid_file}; sleep 60 & echo started; wait"]
    with pytest.raises(NotReady, match=r"(?s)not ready after 1s.*started"):
        start_command(command, f"http://127.0.0.1:{free_port()}", timeout=1.0)
    assert not group_alive(int(pid_file.read_text()))
