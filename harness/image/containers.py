"""Containers and volumes of the image: run, wait until healthy, stop, remove, clean up.

run and migrate start IMAGE_REF when set (an image id or a registry reference), else the :dev
tag that build makes.
"""

from __future__ import annotations

import contextlib
import subprocess
import time

from harness.common.procs import free_port
from harness.image.build import default_ref
from harness.image.runner import ImageError, call, engine, inspect, is_podman, podman, quietly

CONTAINER_PORT = 8000
# Every container and volume this script creates carries this label, so cleanup can find them.
LABEL = "io.users-api.created-by=scripts-image"


def create_volume(name: str) -> str:
    podman("volume", "create", "--label", LABEL, name)
    return name


def ensure_volume(name: str) -> None:
    """Create the volume NAME unless it exists (unlabelled: it is the caller's to keep)."""
    if quietly("volume", "inspect", name).returncode != 0:
        call([engine(), "volume", "create", name], capture=True)


def run_args(
    *,
    sqlite_volume: str | None = None,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    read_only: bool = True,
) -> list[str]:
    """The `run` options shared by the server, `migrate` and one-off commands.

    With --database-url the container joins the host's network, so that a PostgreSQL
    listening on the host's loopback (127.0.0.1) is reachable as it is from the host.
    """
    args = ["--label", LABEL]
    if read_only:
        args += ["--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m"]
    if sqlite_volume:
        args += ["--volume", f"{sqlite_volume}:/data"]
    if database_url:
        args += ["--network", "host", "--env", f"DATABASE_URL={database_url}"]
    for key, value in (env or {}).items():
        args += ["--env", f"{key}={value}"]
    return args


def run(
    name: str,
    *,
    tag: str | None = None,
    port: int | None = None,
    sqlite_volume: str | None = None,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    command: list[str] | None = None,
    cpus: float | None = None,
) -> str:
    """Start the server container detached; return its base URL (on 127.0.0.1).

    ``cpus`` caps the container's CPU (``--cpus``), as a Kubernetes CPU limit does.
    """
    tag = tag or default_ref()
    port = port or free_port()
    args = [engine(), "run", "--detach", "--name", name]
    args += run_args(sqlite_volume=sqlite_volume, database_url=database_url, env=env)
    if cpus:
        args += ["--cpus", f"{cpus:g}"]
    if database_url:
        # Host network: listen on the chosen port itself, and only on the host's loopback.
        args += ["--env", f"PORT={port}", "--env", f"SERVER_BIND=127.0.0.1:{port}"]
        # Images built before the server was granian read their bind address from GUNICORN_BIND
        # (bench --container measures such a revision beside this tree's image).
        args += ["--env", f"GUNICORN_BIND=127.0.0.1:{port}"]
    else:
        args += ["--publish", f"127.0.0.1:{port}:{CONTAINER_PORT}"]
    if is_podman():
        # No systemd here to run healthcheck timers: wait_healthy runs the image's own
        # healthcheck command with `podman healthcheck run` instead.
        args += ["--health-interval", "disable"]
    else:
        args += ["--health-interval", "2s"]
    args.append(tag)
    args += command or []
    call(args, capture=True, timeout=120)
    return f"http://127.0.0.1:{port}"


def one_off(
    command: list[str],
    *,
    tag: str | None = None,
    sqlite_volume: str | None = None,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess:
    """Run the image once with COMMAND (e.g. ["migrate"]) and remove it; return the result."""
    tag = tag or default_ref()
    args = ["run", "--rm", "--no-healthcheck"]
    args += run_args(sqlite_volume=sqlite_volume, database_url=database_url, env=env)
    return quietly(*args, tag, *command, timeout=timeout)


def health_status(name: str) -> str:
    return inspect(name, "{{.State.Health.Status}}")


def state(name: str) -> str:
    return inspect(name, "{{.State.Status}}")


def logs(name: str) -> str:
    result = quietly("logs", name, timeout=60)
    return (result.stdout or "") + (result.stderr or "")


def wait_healthy(name: str, timeout: float = 90.0) -> float:
    """Wait until the container's own HEALTHCHECK reports healthy; return the seconds waited."""
    start = time.monotonic()
    delay = 0.2
    while True:
        if state(name) not in ("running", "created", "configured", "initialized"):
            raise ImageError(
                f"container {name} stopped before it became healthy "
                f"(state {state(name)}, exit {inspect(name, '{{.State.ExitCode}}')});"
                f" its log:\n{logs(name)[-3000:]}"
            )
        if is_podman():
            # Runs the image's HEALTHCHECK command and records the result in the container.
            quietly("healthcheck", "run", name, timeout=30)
        status = health_status(name)
        if status == "healthy":
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise ImageError(
                f"container {name} not healthy after {timeout:.0f}s (health: {status});"
                f" its log:\n{logs(name)[-3000:]}"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)


def stop(name: str, grace: int = 30) -> tuple[float, int]:
    """SIGTERM (the image's STOPSIGNAL); SIGKILL after GRACE seconds. Return (seconds, exit)."""
    start = time.monotonic()
    quietly("stop", "--time", str(grace), name, timeout=grace + 60)
    seconds = time.monotonic() - start
    code = int(inspect(name, "{{.State.ExitCode}}"))
    return seconds, code


def remove(name: str) -> None:
    quietly("rm", "--force", "--volumes", name, timeout=120)


def remove_volume(name: str) -> None:
    quietly("volume", "rm", "--force", name, timeout=120)


def cleanup_labelled() -> list[str]:
    """Remove every container and volume this script created; return their names."""
    removed = []
    for listing, name_format, remover in (
        (("ps", "--all"), "{{.Names}}", remove),
        (("volume", "ls"), "{{.Name}}", remove_volume),
    ):
        found = quietly(*listing, "--filter", f"label={LABEL}", "--format", name_format)
        for name in (found.stdout or "").split():
            remover(name)
            removed.append(name)
    return removed


@contextlib.contextmanager
def container(name: str, **kwargs):
    """run() as a context manager: yields the base URL; always removes the container."""
    try:
        yield run(name, **kwargs)
    finally:
        remove(name)
