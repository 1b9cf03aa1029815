"""What stands in for Azure here: the PostgreSQL service container of a CI job, and dev.

dev's stand-in is the image the Build stage built, run with podman on loopback, configured as
the dev overlay configures it: the values of its ConfigMap (kubectl kustomize k8s/overlays/dev),
a throwaway Secret (a new DJANGO_SECRET_KEY, and DATABASE_URL of a throwaway PostgreSQL, as
dev's in-cluster database), migrated first as dev's migration Job does. Only one thing differs
from dev, and the summary says so: DJANGO_ALLOWED_HOSTS also allows 127.0.0.1, the stand-in's
address, since dev's DNS name cannot point here.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harness.common.kube import kustomize

STAND_IN_HOST = "127.0.0.1"
OWN_ADDRESS = ("PORT", "SERVER_BIND")  # the stand-in listens on its own loopback port


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@contextlib.contextmanager
def postgres_service(port: int) -> Iterator[str]:
    """A job's `postgres` service container: a throwaway local PostgreSQL on the same port,
    trust authentication, user and database postgres, as the postgres:16 image gives."""
    from harness.testing import local_postgres

    if not port_free(port):
        raise RuntimeError(f"port {port} is in use: the PostgreSQL service cannot listen there")
    datadir = Path(tempfile.mkdtemp(prefix="rehearsal-postgres-"))
    (datadir / "port").write_text(str(port))
    try:
        yield local_postgres.start(datadir)
    finally:
        local_postgres.stop(datadir)
        shutil.rmtree(datadir, ignore_errors=True)


def dev_config(checkout: Path, overlay: str = "dev") -> dict[str, str]:
    """The data of the overlay's users-api-config ConfigMap, as kustomize renders it."""
    objects = kustomize(checkout / "k8s" / "overlays" / overlay)
    for doc in objects:
        if doc.get("kind") == "ConfigMap" and doc["metadata"]["name"].startswith(
            "users-api-config"
        ):
            return {str(k): str(v) for k, v in (doc.get("data") or {}).items()}
    raise RuntimeError(f"k8s/overlays/{overlay} renders no users-api-config ConfigMap")


def stand_in_env(config: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in config.items() if k not in OWN_ADDRESS}
    hosts = [h for h in env.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]
    env["DJANGO_ALLOWED_HOSTS"] = ",".join([*hosts, STAND_IN_HOST])
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(40)  # the throwaway Secret
    env.update(extra)
    return env


@contextlib.contextmanager
def dev_stand_in(checkout: Path, image: str, extra: dict[str, str]) -> Iterator[str]:
    """Run IMAGE as dev runs it; yield its BASE_URL; stop and remove it afterwards."""
    from harness.image import engine
    from harness.testing.postgres import throwaway_cluster

    env = stand_in_env(dev_config(checkout), extra)
    name = f"users-api-rehearsal-dev-{secrets.token_hex(3)}"
    with throwaway_cluster() as (database_url, _datadir):
        migrated = engine.one_off(["migrate"], tag=image, database_url=database_url, env=env)
        if migrated.returncode != 0:
            output = (migrated.stderr or "") + (migrated.stdout or "")
            raise RuntimeError(f"the migration of the stand-in failed: {output.strip()[-2000:]}")
        url = engine.run(name, tag=image, database_url=database_url, env=env)
        try:
            engine.wait_healthy(name, 120)
            yield url
        finally:
            engine.stop(name, 30)
            engine.remove(name)
