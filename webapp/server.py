"""Serve the service with granian, a maintained WSGI server, configured from the environment.

    python3 -m webapp.server        # the image's `serve`, `python3 toxw -e serve`, the live server

granian reads every one of its settings from a ``GRANIAN_*`` variable (its documented CLI, whose
options all have one). This module only gives those variables the service's defaults, derived
from the service's own variables (``PORT``, ``WEB_CONCURRENCY``, ``SERVER_*``: the table in
docs/configuration.md), checks the Django settings so that a configuration error stops here in
one line, and then replaces this process with granian's: signals reach granian directly. A
``GRANIAN_*`` variable set by an operator wins over the default given here.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from webapp.env import env_int, env_str

WSGI_APP = "webapp.wsgi:application"
LOGGING_CONFIG = Path(__file__).with_name("server_logging.json")


def _bind(env: dict[str, str]) -> tuple[str, str]:
    bind = env_str("SERVER_BIND", environ=env) or f"0.0.0.0:{env_int('PORT', 8000, 1, environ=env)}"
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ImproperlyConfigured(f"SERVER_BIND={bind!r} is not HOST:PORT")
    return host.strip("[]"), port


def granian_environment(env: dict[str, str], cpus: int | None = None) -> dict[str, str]:
    """ENV with the service's defaults of granian's settings added (an operator's own
    ``GRANIAN_*`` variables are kept as they are)."""
    host, port = _bind(env)
    cpus = cpus or os.cpu_count() or 1
    graceful = env_int("SERVER_GRACEFUL_TIMEOUT", 25, 1, environ=env)
    defaults = {
        "GRANIAN_INTERFACE": "wsgi",
        "GRANIAN_HTTP": "1",
        "GRANIAN_WEBSOCKETS": "false",  # WSGI has none
        "GRANIAN_HOST": host,
        "GRANIAN_PORT": port,
        "GRANIAN_WORKERS": str(env_int("WEB_CONCURRENCY", min(4, cpus * 2 + 1), 1, environ=env)),
        # Threads of a worker that run the app: each serves one request at a time. A request
        # whose body stalls holds its thread (granian has no body read timeout), so a worker
        # keeps a spare; more cost CPU in contention for the GIL (docs/performance.md).
        "GRANIAN_BLOCKING_THREADS": str(env_int("SERVER_THREADS", 2, 1, environ=env)),
        # A worker that dies (killed, out of memory) is replaced; a stop waits for requests in
        # flight up to the graceful timeout, then kills what is left.
        "GRANIAN_RESPAWN_FAILED_WORKERS": "true",
        "GRANIAN_RESPAWN_INTERVAL": "0.5",
        "GRANIAN_WORKERS_KILL_TIMEOUT": str(graceful),
        # A connection has this long to send a request's headers, the next request's included.
        "GRANIAN_HTTP1_HEADER_READ_TIMEOUT": str(
            env_int("SERVER_HEADER_READ_TIMEOUT", 5, 1, environ=env) * 1000
        ),
        # The service writes its own access log line, in JSON (webapp/api/access_log.py), and
        # stdout holds nothing else: granian's own messages go to stderr (granian's
        # documented logging configuration, a dictConfig in JSON).
        "GRANIAN_LOG_ACCESS_ENABLED": "false",
        "GRANIAN_LOG_CONFIG": str(LOGGING_CONFIG),
    }
    lifetime = env_int("SERVER_WORKERS_LIFETIME", 0, environ=env)
    if lifetime:
        if lifetime < 60:
            raise ImproperlyConfigured(
                f"SERVER_WORKERS_LIFETIME={lifetime} must be 0 (never) or at least 60"
            )
        defaults["GRANIAN_WORKERS_LIFETIME"] = str(lifetime)
    max_rss = env_int("SERVER_WORKERS_MAX_RSS", 0, environ=env)
    if max_rss:
        defaults["GRANIAN_WORKERS_MAX_RSS"] = str(max_rss)
    return {**defaults, **env}


def check_settings() -> None:
    """Load the Django settings: an unusable one stops the server before it starts."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - loads the settings module


def main() -> int:
    try:
        check_settings()
        env = granian_environment(dict(os.environ))
    except ImproperlyConfigured as exc:
        print(f"configuration error: {exc}", file=sys.stderr, flush=True)
        return 2
    granian = shutil.which("granian", path=os.path.dirname(sys.executable)) or "granian"
    os.execve(granian, [granian, WSGI_APP], env)
    return 0  # pragma: no cover - execve does not return


if __name__ == "__main__":
    sys.exit(main())
