"""Serve the API on this machine: apply the migrations, then become the server (webapp/server.py).

    python3 toxw -e serve            # what a developer runs; PORT (8000), DATABASE_URL, ...

toxw prepares the serve env with tox, then runs this module itself instead of under tox, and
this process then *is* the server (granian): every way of stopping it reaches the server
directly, so it always shuts down gracefully (requests in flight complete, within
SERVER_GRACEFUL_TIMEOUT) and leaves nothing behind. Under tox, tox sits between the signal and
the server: a SIGTERM to tox would leave the server running.
"""

from __future__ import annotations

import os
import subprocess
import sys

from harness.common.paths import ROOT


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
    os.chdir(ROOT)
    command = [sys.executable, "-m", "webapp.server", *argv]
    os.execve(sys.executable, command, env)
    return 0  # pragma: no cover - execve does not return


if __name__ == "__main__":
    sys.exit(main())
