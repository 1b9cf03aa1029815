"""The container image, built and run for real (podman here; Docker/BuildKit in a pipeline).

Image-level checks first (labels, user, no secrets, .dockerignore, start-up without a key,
explicit migrations), then the same checks on a running container on SQLite in a volume and on
PostgreSQL: healthy by its own healthcheck, non-root, DEBUG off, read-only root filesystem,
the API and its contract, JSON access logs, the smoke and contract suites against it, and a
graceful SIGTERM with requests in flight.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tarfile
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from harness.common import git
from harness.testing.live_server import wait_ready
from harness.testing.raw_http import start_half_sent_post
from tests.image.conftest import (
    FIGURES,
    ROOT,
    image_script,
    new_container_name,
    new_volume,
)

UID = "10001"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|API_KEY", re.I)
GRACE = (
    20  # seconds `stop` waits before SIGKILL; the server is given less (SERVER_GRACEFUL_TIMEOUT)
)


def exec_in(name: str, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [image_script.engine(), "exec", name, *command],
        capture_output=True,
        text=True,
        env=image_script.engine_env(),
        timeout=60,
    )


def python_in(name: str, script: str) -> subprocess.CompletedProcess:
    """Run a Python SCRIPT inside the running container NAME."""
    return exec_in(name, "python3", "-c", script)


# --- the image itself -----------------------------------------------------------------------


def test_oci_labels_name_version_revision_and_source(image):
    found = json.loads(image_script.inspect(image["id"], "{{json .Config.Labels}}", "image"))
    assert found.get("org.opencontainers.image.version") == image_script.project_version()
    head = git.output("rev-parse", "HEAD")
    assert found.get("org.opencontainers.image.revision") in (head, f"{head}-dirty"), found
    source = found.get("org.opencontainers.image.source", "")
    assert source not in ("", "unknown"), f"no source label: {found}"
    assert "@" not in source.split("//", 1)[-1].split("/", 1)[0], "credentials in the source URL"
    # The base it was built on, which a gate checking an image built elsewhere (IMAGE_REF) reads.
    base = found.get("org.opencontainers.image.base.name", "")
    assert base == image["base"], f"base label {base!r}, built on {image['base']!r}"
    assert image_script.image_exists(base), f"the base {base!r} is not in this engine's images"


def test_image_runs_as_fixed_non_root_user(image):
    user = image_script.inspect(image["id"], "{{.Config.User}}", "image")
    assert user == f"{UID}:{UID}", f"image user is {user!r}, expected {UID}:{UID}"


def test_no_secret_in_image_config_or_history(image):
    env = json.loads(image_script.inspect(image["id"], "{{json .Config.Env}}", "image"))
    named = [item for item in env if SECRET_NAME.search(item.split("=", 1)[0])]
    assert not named, f"secret-like variables baked into the image: {named}"
    history = image_script.podman(
        "history", "--no-trunc", "--format", "{{.CreatedBy}}", image["id"]
    )
    build_args = re.findall(r"\b([A-Z_][A-Z0-9_]*)=", history)
    leaked = sorted({arg for arg in build_args if SECRET_NAME.search(arg)})
    assert not leaked, f"secret-like build arguments recorded in the history: {leaked}"
    for marker in (".env", "ca-certificates.crt", "PIP_CERT", "DJANGO_SECRET_KEY="):
        assert marker not in history, f"{marker!r} appears in the image history:\n{history}"


def test_no_env_file_secret_key_or_database_in_image_filesystem(image):
    name = new_container_name("export")
    image_script.podman("create", "--name", name, "--label", image_script.LABEL, image["id"])
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "fs.tar"
        image_script.podman("export", "--output", str(archive), name)
        image_script.remove(name)
        bad_name = re.compile(
            r"(^|/)(\.env(\..*)?|.*\.sqlite3(-.*)?|db\.sqlite3|\.git|\.tox|reports)(/|$)"
        )
        problems = []
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            names = [m.name.lstrip("./") for m in members]
            problems += [n for n in names if bad_name.search(n)]
            problems += [
                n for n in names if n.startswith(("run/secrets/", "data/")) and n != "data"
            ]
            for member in members:  # the service's own files: no key, no private key
                path = member.name.lstrip("./")
                if member.isfile() and path.startswith(("app/", "usr/local/lib/users-api/")):
                    text = tar.extractfile(member).read().decode("utf-8", "replace")
                    if re.search(r"django-insecure|SECRET_KEY\s*=\s*['\"]\w", text):
                        problems.append(f"{path}: a hard-coded secret key")
                    if "PRIVATE KEY-----" in text:
                        problems.append(f"{path}: a private key")
    assert "app/webapp/settings.py" in names, "the export does not look like the image's files"
    assert not problems, f"files that must not be in the image: {problems}"


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_build(image, tmp_path):
    """Build a throwaway image that copies the whole build context from a copy of the repository
    with canary files added: none of them may reach it."""
    context = tmp_path / "context"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for rel in filter(None, tracked):
        if (ROOT / rel).is_file():
            (context / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, context / rel)
    canaries = [
        ".env",
        ".env.production",
        "webapp/.env",
        "db.sqlite3",
        "data/db.sqlite3",
        "webapp/db.sqlite3",
        "reports/unit.xml",
        ".git/config",
        ".tox/lint/marker",
        "webapp/__pycache__/x.cpython-311.pyc",
    ]
    for rel in canaries:
        (context / rel).parent.mkdir(parents=True, exist_ok=True)
        (context / rel).write_text("canary\n")
    dockerfile = tmp_path / "Dockerfile.context"
    dockerfile.write_text(f"FROM {image['base']}\nCOPY . /context/\n")
    tag = f"localhost/users-api-context-test:{uuid.uuid4().hex[:8]}"
    cmd = [image_script.engine(), "build", "--file", str(dockerfile), "--tag", tag]
    if image_script.is_podman():
        cmd += ["--isolation", "chroot"]
    subprocess.run(
        [*cmd, str(context)], check=True, capture_output=True, env=image_script.engine_env()
    )
    try:
        listing = image_script.podman("run", "--rm", "--no-healthcheck", tag, "find", "/context")
    finally:
        image_script.podman("rmi", "--force", tag, check=False)
    present = {line.removeprefix("/context/") for line in listing.splitlines()}
    leaked = [rel for rel in canaries if rel in present]
    assert not leaked, f".dockerignore let these into the build context: {leaked}"
    for needed in ("Dockerfile", "manage.py", "webapp/server.py", "webapp/settings.py"):
        assert needed in present, f"{needed} is missing from the build context"


def test_without_secret_key_exits_non_zero_with_one_clear_line(image):
    for command in ([], ["migrate"]):
        result = image_script.one_off(command)
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        label = " ".join(command) or "(default: serve)"
        assert result.returncode != 0, f"{label} started without DJANGO_SECRET_KEY: {lines}"
        assert len(lines) == 1, f"{label}: expected one line, got:\n" + "\n".join(lines)
        assert "DJANGO_SECRET_KEY" in lines[0], lines[0]


def test_migrations_run_only_through_the_migrate_argument(image, secret_key):
    """A server on a fresh volume is live but not ready (no implicit migration); `migrate`
    applies them and exits 0, after which the same server becomes ready; a second `migrate`
    has nothing to do."""
    volume = new_volume("fresh")
    name = new_container_name("unmigrated")
    base_url = image_script.run(
        name, sqlite_volume=volume, env={"DJANGO_SECRET_KEY": secret_key, "WEB_CONCURRENCY": "1"}
    )
    try:
        wait_ready(base_url, timeout=60, path="/healthz")
        ready = requests.get(base_url + "/readyz", timeout=10)
        assert ready.status_code == 503, f"ready before migrating: {ready.status_code} {ready.text}"
        assert "migration" in ready.json()["detail"]
        checked = subprocess.run(
            [image_script.engine(), "healthcheck", "run", name],
            capture_output=True,
            env=image_script.engine_env(),
        )
        if image_script.is_podman():
            assert checked.returncode != 0, "healthcheck passed with migrations pending"

        first = image_script.one_off(
            ["migrate"], sqlite_volume=volume, env={"DJANGO_SECRET_KEY": secret_key}
        )
        assert first.returncode == 0, first.stderr + first.stdout
        assert "Applying" in first.stdout, first.stdout
        assert requests.get(base_url + "/readyz", timeout=10).status_code == 200
        second = image_script.one_off(
            ["migrate"], sqlite_volume=volume, env={"DJANGO_SECRET_KEY": secret_key}
        )
        assert second.returncode == 0, second.stderr + second.stdout
        assert "No migrations to apply" in second.stdout, second.stdout
    finally:
        image_script.remove(name)


# --- a running container, on SQLite and on PostgreSQL ---------------------------------------


def test_container_is_healthy_by_its_own_healthcheck(deployment):
    assert image_script.health_status(deployment.name) == "healthy"
    assert requests.get(deployment.base_url + "/readyz", timeout=10).json() == {"status": "ok"}


def test_every_process_runs_as_the_non_root_uid(deployment):
    script = textwrap.dedent(
        """\
        import os
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                lines = open(f'/proc/{pid}/status').read().splitlines()
            except OSError:
                continue
            status = dict(line.split(':', 1) for line in lines if ':' in line)
            uid = status['Uid'].split()
            print(pid, status['Name'].strip(), uid[0], uid[1])
        """
    )
    result = python_in(deployment.name, script)
    assert result.returncode == 0, result.stderr
    processes = [line.split() for line in result.stdout.splitlines()]
    assert any(p[0] == "1" for p in processes), result.stdout
    wrong = [p for p in processes if p[2] != UID or p[3] != UID]
    assert not wrong, f"processes not running as uid {UID}: {wrong}"


def test_debug_is_off(deployment):
    result = python_in(
        deployment.name,
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    missing = requests.get(deployment.base_url + "/no-such-page", timeout=10)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/json"), missing.text[:200]


def test_root_filesystem_is_read_only_and_data_tmp_are_writable(deployment):
    probe = textwrap.dedent(
        """\
        import sys
        def can_write(path):
            try:
                open(path, 'w').close()
            except OSError:
                return False
            return True
        print(can_write('/app/probe'), can_write('/probe'), can_write('/tmp/probe'),
              can_write('/data/probe'))
        """
    )
    result = python_in(deployment.name, probe)
    assert result.returncode == 0, result.stderr
    app, root, tmp, data = result.stdout.split()
    assert (app, root) == ("False", "False"), "the root filesystem is writable"
    assert tmp == "True", "/tmp is not writable"
    if deployment.backend == "sqlite":
        assert data == "True", "/data (the SQLite volume) is not writable"


def test_api_creates_and_reads_users(deployment):
    dni = f"img{uuid.uuid4().hex[:8]}"
    created = requests.post(
        deployment.base_url + "/api/users", json={"dni": dni, "name": "Image Test"}, timeout=10
    )
    assert created.status_code == 201, created.text
    read = requests.get(deployment.base_url + created.headers["Location"], timeout=10)
    assert read.status_code == 200, read.text
    assert read.json()["dni"] == dni, read.text
    listed = requests.get(deployment.base_url + "/api/users/", timeout=10).json()
    assert dni in [user["dni"] for user in listed]
    duplicate = requests.post(
        deployment.base_url + "/api/users/", json={"dni": dni, "name": "Again"}, timeout=10
    )
    assert duplicate.status_code == 400, duplicate.text
    assert duplicate.json() == {"detail": "User already exists"}


def test_served_schema_is_the_committed_contract(deployment):
    served = requests.get(deployment.base_url + "/api/schema/", timeout=10)
    assert served.status_code == 200
    committed = yaml.safe_load((ROOT / "contract" / "openapi.yaml").read_text())
    assert yaml.safe_load(served.text) == committed, "the image serves a different contract"
    for page in ("/api/docs/", "/api/redoc/"):
        assert requests.get(deployment.base_url + page, timeout=10).status_code == 200, page


def test_access_log_is_one_json_object_per_line_on_stdout(deployment):
    agent = f"image-test-{uuid.uuid4().hex[:8]}"
    hostile = '/api/users/"quoted"\\back\tslash?x="1"'
    requests.get(deployment.base_url + hostile, headers={"User-Agent": agent}, timeout=10)
    requests.get(deployment.base_url + "/healthz", headers={"User-Agent": agent}, timeout=10)
    time.sleep(0.5)
    result = subprocess.run(
        [image_script.engine(), "logs", deployment.name],
        capture_output=True,
        text=True,
        env=image_script.engine_env(),
        timeout=60,
    )
    records = []
    for line in result.stdout.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"a stdout line is not JSON: {line!r}")
        assert isinstance(record, dict), line
        records.append(record)
    ours = [r for r in records if r.get("user_agent") == agent]
    assert [r["status"] for r in ours] == [404, 200], ours
    assert ours[0]["path"] == '/api/users/"quoted"\\back\tslash', ours[0]
    for key in ("time", "method", "path", "status", "duration_ms", "remote_addr"):
        assert key in ours[1], f"access log lacks {key}: {ours[1]}"


def test_suite_against_the_container(deployment, suite):
    result = image_script.run_suite(suite, deployment.base_url, deployment.backend)
    tail = (result.stdout + result.stderr)[-3000:]
    summary = [
        line
        for line in result.stdout.splitlines()
        if re.search(r"\d+ (passed|failed|errors?)\b.* in [\d.]+s", line)
    ]
    outcome = summary[-1].strip("= ") if summary else f"exit {result.returncode}"
    FIGURES["suites"][f"{suite} on {deployment.backend}"] = outcome
    assert result.returncode == 0, f"tests/{suite} failed against {deployment.base_url}:\n{tail}"


def test_data_survives_a_new_container(deployment, secret_key):
    """The state lives in the volume (SQLite) or the database, not in the container."""
    dni = f"vol{uuid.uuid4().hex[:8]}"
    created = requests.post(
        deployment.base_url + "/api/users", json={"dni": dni, "name": "Persisted"}, timeout=10
    )
    assert created.status_code == 201
    name = new_container_name("second")
    url = image_script.run(name, env={"DJANGO_SECRET_KEY": secret_key}, **deployment.db)
    try:
        image_script.wait_healthy(name)
        read = requests.get(url + created.headers["Location"], timeout=10)
        assert read.status_code == 200, read.text
        assert read.json()["dni"] == dni, read.text
    finally:
        image_script.remove(name)


def _start_partial_post(port: int, dni: str) -> tuple[socket.socket, bytes]:
    """A POST whose body is only half there: in flight until the rest is sent."""
    return start_half_sent_post(port, {"dni": dni, "name": "In flight"})


def _read_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"connection closed before a status line: {data!r}")
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_sigterm_lets_in_flight_requests_finish_and_stops_within_grace(deployment, secret_key):
    workers = 2
    name = new_container_name("sigterm")
    env = {
        "DJANGO_SECRET_KEY": secret_key,
        "WEB_CONCURRENCY": str(workers),
        "SERVER_GRACEFUL_TIMEOUT": "10",
    }
    url = image_script.run(name, env=env, **deployment.db)
    try:
        image_script.wait_healthy(name)
        port = int(url.rsplit(":", 1)[1])
        in_flight = [
            _start_partial_post(port, f"sig{uuid.uuid4().hex[:8]}") for _ in range(workers)
        ]
        time.sleep(1.0)  # both workers have accepted their connection and are reading it
        outcome = {}
        stopper = threading.Thread(
            target=lambda: outcome.update(result=image_script.stop(name, GRACE))
        )
        stopper.start()
        time.sleep(2.0)  # SIGTERM has been delivered; the requests are still in flight
        assert stopper.is_alive(), "the container stopped with requests still in flight"
        statuses = []
        for sock, rest in in_flight:
            with sock:
                sock.sendall(rest)
                statuses.append(_read_status(sock))
        stopper.join(GRACE + 60)
        seconds, code = outcome["result"]
        FIGURES["runs"][deployment.backend]["SIGTERM to exit, 2 requests held 2 s (seconds)"] = (
            round(seconds, 2)
        )
        assert statuses == [201] * workers, f"in-flight requests failed: {statuses}"
        assert code == 0, f"exit code {code} after SIGTERM (137 means it was killed)"
        assert seconds < GRACE, f"took {seconds:.1f}s to stop; the grace period is {GRACE}s"
        log = image_script.logs(name)
        assert "Shutting down granian" in log, log[-2000:]  # the server's graceful stop
    finally:
        image_script.remove(name)
