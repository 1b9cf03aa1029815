"""Serve the API on this machine: apply the migrations, then run the server (webapp/server.py).

    python3 toxw -e serve            # what a developer runs; PORT (8000), DATABASE_URL, ...

toxw prepares the serve env with tox, then runs this module itself instead of under tox, so
every way of stopping it (Ctrl-C, a SIGINT or SIGTERM to this process) reaches this module,
which passes one SIGTERM on to the server, in a session of its own: the server shuts down
gracefully (requests in flight complete, within SERVER_GRACEFUL_TIMEOUT), nothing stays behind,
and the last line says why it stopped. Under tox, tox sits between the signal and the server: a
SIGTERM to tox would leave the server running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from harness.common.env import server_graceful_timeout
from harness.common.paths import ROOT
from harness.common.procs import run_until_stopped


def environment(env: dict[str, str]) -> dict[str, str]:
    """The settings of a developer's server: throwaway key, SQLite in data/ (or DATA_DIR),
    loopback only, on PORT (8000)."""
    port = env.get("PORT", "").strip() or "8000"
    return {
        **env,
        "DJANGO_ENV": "local",
        "DATA_DIR": env.get("DATA_DIR", "").strip() or str(ROOT / "data"),
        "SERVER_BIND": f"127.0.0.1:{port}",
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    env = environment(dict(os.environ))
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=False
    )
    if migrated.returncode != 0:
        print("serve: the migrations failed; the server was not started", file=sys.stderr)
        return migrated.returncode
    print(
        f"Serving the users API on http://{env['SERVER_BIND']}/api/ (docs: /api/docs/); "
        "Ctrl-C stops it gracefully",
        flush=True,
    )
    command = [sys.executable, "-m", "webapp.server", *argv]
    grace = server_graceful_timeout(env)
    code, stopped_by = run_until_stopped(command, signal.SIGTERM, grace, env=env, cwd=ROOT)
    if stopped_by is None:
        print(f"serve: the server exited with {code}", file=sys.stderr)
        return code or 1
    print(
        f"users API stopped on {stopped_by}, gracefully: requests in flight had up to {grace} s "
        "to complete",
        flush=True,
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
