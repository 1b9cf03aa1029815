"""Fixtures of the image gate: the built image, and containers of it on SQLite and PostgreSQL.

Everything goes through harness.image, the same functions a pipeline calls. Every container
and volume made here is removed at the end, whatever happened; the figures (image size, build
time, time to ready) are printed at the end of the run and written to reports/image-figures.json.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

import pytest

from harness.common.paths import ROOT
from harness.image import engine as image_script

FIGURES: dict = {"runs": {}, "suites": {}}
RUN_ID = uuid.uuid4().hex[:8]
_created_containers: list[str] = []
_created_volumes: list[str] = []


def unique(kind: str) -> str:
    return f"users-api-test-{RUN_ID}-{kind}-{uuid.uuid4().hex[:4]}"


def new_container_name(kind: str) -> str:
    name = unique(kind)
    _created_containers.append(name)
    return name


def new_volume(kind: str) -> str:
    name = unique(kind)
    _created_volumes.append(name)
    return image_script.create_volume(name)


@pytest.fixture(scope="session")
def engine():
    reason = image_script.engine_available()
    if reason:
        pytest.skip(f"needs a container engine: {reason}")
    yield image_script.engine()
    for name in _created_containers:
        image_script.remove(name)
    for name in _created_volumes:
        image_script.remove_volume(name)


@pytest.fixture(scope="session")
def image(engine):
    """The image of this run: IMAGE_REF, else built once (podman: on a local Debian base)."""
    figures = image_script.shipped_image()
    FIGURES["build"] = figures
    # Containers start from the image id just built, not from its tag, which another build
    # on the same machine could move meanwhile.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMAGE_REF", figures["id"])
        yield figures


@pytest.fixture(scope="session")
def secret_key():
    return secrets.token_urlsafe(40)


@dataclass
class Deployment:
    backend: str
    name: str
    base_url: str
    ready_seconds: float
    db: dict = field(default_factory=dict)  # sqlite_volume= or database_url= for image.py


def _postgres_database(server_url: str):
    """A fresh database on the PostgreSQL server for one run; returns (url, drop())."""
    import psycopg

    name = f"image_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(server_url)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def drop():
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


@pytest.fixture(scope="session")
def postgres_database(postgres_url):
    url, drop = _postgres_database(postgres_url)
    yield url
    drop()


def start_deployment(backend: str, db: dict, secret_key: str, env: dict | None = None):
    """Migrate (the explicit `migrate` argument), start the server, wait for its healthcheck."""
    migrated = image_script.one_off(["migrate"], env={"DJANGO_SECRET_KEY": secret_key}, **db)
    assert migrated.returncode == 0, f"migrate failed:\n{migrated.stderr}{migrated.stdout}"
    name = new_container_name(backend)
    run_env = {"DJANGO_SECRET_KEY": secret_key, **(env or {})}
    start = time.monotonic()  # time to ready: from `run` to the healthcheck's first success
    base_url = image_script.run(name, env=run_env, **db)
    image_script.wait_healthy(name)
    return Deployment(backend, name, base_url, time.monotonic() - start, db)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def deployment(request, image, secret_key):
    """The image serving on SQLite in a named volume, then on the local PostgreSQL."""
    if request.param == "sqlite":
        db = {"sqlite_volume": new_volume("data")}
    else:
        db = {"database_url": request.getfixturevalue("postgres_database")}
    deployed = start_deployment(request.param, db, secret_key, {"WEB_CONCURRENCY": "2"})
    FIGURES["runs"][request.param] = {"time_to_healthy_seconds": round(deployed.ready_seconds, 2)}
    yield deployed
    image_script.remove(deployed.name)


def pytest_generate_tests(metafunc):
    """One suite test per suite under tests/ that can target a BASE_URL (see image.py)."""
    if "suite" in metafunc.fixturenames:
        runnable = []
        for suite in image_script.SUITES:
            reason = image_script.suite_status(suite)
            if reason:
                FIGURES["suites"][suite] = f"not run: {reason}"
            else:
                runnable.append(suite)
        metafunc.parametrize("suite", runnable)


def _without_suite(item) -> bool:
    callspec = getattr(item, "callspec", None)
    return "suite" in getattr(item, "fixturenames", ()) and (
        callspec is None or callspec.params.get("suite") not in image_script.SUITES
    )


def pytest_collection_modifyitems(config, items):
    """With no suite able to target a container yet, drop the suite test instead of skipping it
    (the terminal summary says which suites were not run and why)."""
    empty = [item for item in items if _without_suite(item)]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [item for item in items if not _without_suite(item)]


def pytest_terminal_summary(terminalreporter):
    if not FIGURES.get("build") and not FIGURES["suites"]:
        return
    write = terminalreporter.write_line
    terminalreporter.section("container image figures")
    build = FIGURES.get("build")
    if build:
        write(f"image {build['tag']} ({build['id'][:12]}) on base {build['base']}")
        write(f"  size: {build['size_mb']} MB ({build['size_bytes']} bytes)")
        base = (
            f" (+ {build['base_seconds']}s building the local base)"
            if build["base_seconds"]
            else ""
        )
        write(f"  build time: {build['build_seconds']}s{base}")
        write(f"  labels: version {build['version']}, revision {build['revision']}")
    for backend, run in FIGURES["runs"].items():
        write(
            f"  {backend}: healthy (own healthcheck) {run['time_to_healthy_seconds']}s after `run`"
        )
        for key, value in run.items():
            if key != "time_to_healthy_seconds":
                write(f"    {key}: {value}")
    for suite, outcome in FIGURES["suites"].items():
        write(f"  tests/{suite}: {outcome}")
    out = ROOT / "reports" / "image-figures.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(FIGURES, indent=2) + "\n")
    write(f"  written to {out.relative_to(ROOT)}")
