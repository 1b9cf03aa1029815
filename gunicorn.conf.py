"""gunicorn settings, all from the environment (see the configuration table in README.md).

Loaded automatically by ``gunicorn`` when started from the repository root, and by the
container's entrypoint with ``--config``.
"""

import multiprocessing
import os
import sys


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"configuration error: {name}={raw!r} is not an integer")


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2 + 1))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
wsgi_app = "webapp.wsgi:application"
accesslog = "-"
errorlog = "-"
# Workers import the app before forking, so a configuration error stops the master at once.
preload_app = True
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
# No runtime control socket: it would need a writable home directory, and several servers on
# one machine (tests, benchmarks) would fight over its default path.
control_socket_disable = True


def _check_django_settings() -> None:
    """Fail with one clear line, not a traceback, when the settings are unusable.

    Runs while gunicorn reads this file, before it imports the app.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to load
    except ImproperlyConfigured as exc:
        print(f"configuration error: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)


_check_django_settings()
