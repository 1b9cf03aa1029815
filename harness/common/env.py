"""The harness's reader of environment variables: the service's own (webapp/env.py), so that a
flag or a number means the same to a gate as to the service, plus numbers with a fraction.

A value that does not parse stops with one line naming the variable and what it takes.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from webapp.env import env_bool, env_int, env_list, env_str
from webapp.server import granian_environment

__all__ = [
    "ImproperlyConfigured",
    "env_bool",
    "env_float",
    "env_int",
    "env_list",
    "env_str",
    "server_graceful_timeout",
]


def env_float(name: str, default: float, minimum: float = 0.0, maximum: float | None = None):
    """A number of NAME (seconds, a rate), at least MINIMUM; values above MAXIMUM are capped,
    so that a load or a wait stays bounded whatever a caller sets."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value:g} must be at least {minimum:g}")
    return min(value, maximum) if maximum is not None else value


def server_graceful_timeout(env: dict[str, str]) -> int:
    """The seconds the server gives requests in flight once stopped, as webapp/server.py reads
    them from ENV (SERVER_GRACEFUL_TIMEOUT, or its default)."""
    return int(granian_environment(env)["GRANIAN_WORKERS_KILL_TIMEOUT"])
