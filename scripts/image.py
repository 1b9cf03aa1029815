#!/usr/bin/env python3
"""Build and run the users API's container image with podman (or Docker with BuildKit).

    python3 scripts/image.py build [--tag TAG] [--base IMAGE]   # build; print size and build time
    python3 scripts/image.py base [--rebuild]                    # local base image from Debian
    python3 scripts/image.py run --name NAME [--sqlite-volume VOL | --database-url URL] [--port P]
    python3 scripts/image.py migrate [--sqlite-volume VOL | --database-url URL]
    python3 scripts/image.py stop NAME                           # SIGTERM, wait, remove
    python3 scripts/image.py suites BASE_URL [--tag NAME]        # smoke + contract suites at a URL

`tox -e image` (tests/image) drives the same functions; a pipeline can call the same commands.
build tags localhost/users-api:dev (IMAGE_NAME changes the name); run and migrate start IMAGE_REF
when set (an image id or a registry reference), else that tag.

The engine is podman when it is installed (else docker); CONTAINER_ENGINE overrides it. With
podman, CONTAINERS_CONF points at container/containers.conf unless already set.

The base image: --base, else IMAGE_BASE, else the Dockerfile's default (the official Python
slim image). When that cannot be pulled (no registry reachable), a local base is built from
Debian's packages with debootstrap (python3, python3-venv, ca-certificates) and imported as
localhost/users-api-base:bookworm.

pip inside the build may sit behind a TLS-intercepting proxy: the CA bundle (PIP_CA_BUNDLE, else
/etc/ssl/certs/ca-certificates.crt when present) is passed as the build secret `pip_ca`, which
is mounted for the one RUN that installs the requirements and never stored in a layer.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
CONTAINERS_CONF = ROOT / "container" / "containers.conf"
IMAGE = os.environ.get("IMAGE_NAME", "localhost/users-api")
LOCAL_BASE = "localhost/users-api-base:bookworm"
DEBIAN_SUITE = "bookworm"
BASE_PACKAGES = "python3,python3-venv,ca-certificates"
DEFAULT_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
CONTAINER_PORT = 8000
# Every container and volume this script creates carries this label, so cleanup can find them.
LABEL = "io.users-api.created-by=scripts-image"
SUITES = ("smoke", "contract")


class ImageError(RuntimeError):
    """A step failed; the message says which and why."""


def say(message: str) -> None:
    print(f"image: {message}", file=sys.stderr, flush=True)


# --- the engine ----------------------------------------------------------------------------


def engine() -> str:
    chosen = os.environ.get("CONTAINER_ENGINE", "").strip()
    if chosen:
        return chosen
    if shutil.which("podman"):
        return "podman"
    return "docker"


def is_podman() -> bool:
    return Path(engine()).name == "podman"


def engine_available() -> str | None:
    """None when the engine works; else why not, in one line."""
    name = engine()
    if not shutil.which(name):
        return f"{name} is not installed (Debian: apt-get install podman runc)"
    result = _run([name, "info"], check=False, capture=True, timeout=60)
    if result.returncode != 0:
        return f"`{name} info` failed: {(result.stderr or result.stdout).strip()[:300]}"
    return None


def engine_env() -> dict[str, str]:
    env = dict(os.environ)
    if is_podman():
        env.setdefault("CONTAINERS_CONF", str(CONTAINERS_CONF))
    else:
        env.setdefault("DOCKER_BUILDKIT", "1")
    return env


def _run(
    cmd: list[str],
    *,
    check: bool = True,
    capture: bool = False,
    timeout: float | None = 600,
    input_bytes: bytes | None = None,
    stdout=None,
) -> subprocess.CompletedProcess:
    kwargs = {"env": engine_env(), "timeout": timeout}
    if capture:
        kwargs.update(capture_output=True, text=input_bytes is None)
    elif stdout is not None:
        kwargs.update(stdout=stdout, stderr=subprocess.STDOUT)
    result = subprocess.run(cmd, input=input_bytes, **kwargs)
    if check and result.returncode != 0:
        detail = ""
        if capture:
            detail = f"\n{result.stderr or ''}{result.stdout or ''}".rstrip()
        raise ImageError(f"`{' '.join(cmd)}` exited {result.returncode}{detail}")
    return result


def podman(*args: str, check: bool = True, timeout: float | None = 600) -> str:
    """Run the engine with ARGS; return its stdout (stripped)."""
    return _run([engine(), *args], check=check, capture=True, timeout=timeout).stdout.strip()


def inspect(ref: str, fmt: str, kind: str = "container") -> str:
    return podman(kind, "inspect", "--format", fmt, ref)


def image_exists(ref: str) -> bool:
    return _run([engine(), "image", "inspect", ref], check=False, capture=True).returncode == 0


# --- the base image ------------------------------------------------------------------------


def dockerfile_default_base() -> str:
    match = re.search(r"^ARG BASE_IMAGE=(\S+)", DOCKERFILE.read_text(), re.MULTILINE)
    if not match:
        raise ImageError("the Dockerfile has no `ARG BASE_IMAGE=...` default")
    return match.group(1)


def build_local_base(name: str = LOCAL_BASE, rebuild: bool = False) -> float:
    """debootstrap a minimal Debian with Python and import it as NAME; return the seconds taken.

    Returns 0.0 when NAME already exists and rebuild is False.
    """
    if image_exists(name) and not rebuild:
        say(f"local base image {name} already exists (base --rebuild makes it again)")
        return 0.0
    if not shutil.which("debootstrap"):
        raise ImageError("debootstrap is not installed (Debian: apt-get install debootstrap)")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="image-base-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        say(f"debootstrap {DEBIAN_SUITE} with {BASE_PACKAGES} (about a minute)")
        log = Path(tmp) / "debootstrap.log"
        with log.open("wb") as out:
            result = subprocess.run(
                [
                    "debootstrap",
                    "--variant=minbase",
                    f"--include={BASE_PACKAGES}",
                    DEBIAN_SUITE,
                    str(rootfs),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=900,
            )
        if result.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:]
            raise ImageError(f"debootstrap failed (exit {result.returncode}):\n{tail}")
        # Package caches and lists are not needed at run time.
        for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*"):
            for path in rootfs.glob(pattern):
                if path.is_file():
                    path.unlink()
        say(f"importing the root filesystem as {name}")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            [engine(), "import", "--message", f"debootstrap {DEBIAN_SUITE} minbase", "-", name],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            env=engine_env(),
            timeout=600,
        )
        tar.stdout.close()
        if tar.wait() != 0 or imported.returncode != 0:
            raise ImageError(f"importing the base image failed: {imported.stderr.strip()}")
    seconds = time.monotonic() - start
    say(f"local base image {name} built in {seconds:.1f}s")
    return seconds


def resolve_base(requested: str | None = None) -> tuple[str, float]:
    """The base image to build on, and the seconds spent making it (0 when pulled or present)."""
    base = requested or os.environ.get("IMAGE_BASE") or ""
    if base:
        return base, 0.0
    default = dockerfile_default_base()
    if image_exists(default):
        return default, 0.0
    say(f"pulling the default base image {default}")
    pulled = _run([engine(), "pull", "--quiet", default], check=False, capture=True, timeout=300)
    if pulled.returncode == 0:
        return default, 0.0
    reason = (pulled.stderr or pulled.stdout).strip().splitlines()[-1:] or ["no output"]
    say(f"cannot pull {default} ({reason[0][:200]}); building a local base instead")
    return LOCAL_BASE, build_local_base(LOCAL_BASE)


# --- build ----------------------------------------------------------------------------------


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def source_url() -> str:
    """Where the source lives, for the OCI label; never with credentials in it."""
    url = (
        os.environ.get("IMAGE_SOURCE")
        or os.environ.get("BUILD_REPOSITORY_URI")
        or git("remote", "get-url", "origin")
    )
    if not url:
        return f"file://{ROOT}"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme and "@" in parts.netloc:  # drop any credentials before the "@" of the host
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    return urllib.parse.urlunsplit(parts)


def revision() -> str:
    """The commit built; with "-dirty" when the working tree has uncommitted changes."""
    commit = git("rev-parse", "HEAD")
    if not commit:
        return "unknown"
    return f"{commit}-dirty" if git("status", "--porcelain", "--untracked-files=no") else commit


def labels() -> dict[str, str]:
    return {
        "VERSION": os.environ.get("IMAGE_VERSION") or project_version(),
        "REVISION": os.environ.get("IMAGE_REVISION") or revision(),
        "SOURCE": source_url(),
    }


def ca_bundle() -> str | None:
    path = os.environ.get("PIP_CA_BUNDLE") or DEFAULT_CA_BUNDLE
    return path if Path(path).is_file() else None


def build(tag: str | None = None, base: str | None = None, no_cache: bool = False) -> dict:
    """Build the image; return its figures (tag, id, size, seconds, base)."""
    tag = tag or f"{IMAGE}:dev"
    base, base_seconds = resolve_base(base)
    args = labels()
    cmd = [engine(), "build", "--file", str(DOCKERFILE), "--tag", tag]
    if is_podman():
        # docker format: OCI image configs cannot carry a HEALTHCHECK.
        cmd += ["--isolation", "chroot", "--format", "docker", "--layers"]
    cmd += ["--build-arg", f"BASE_IMAGE={base}"]
    for key, value in args.items():
        cmd += ["--build-arg", f"{key}={value}"]
        if is_podman():
            # buildah's layer cache reuses a LABEL step whose ARG values changed (stale
            # revision labels); --label sets them on the final image whatever was cached.
            cmd += ["--label", f"org.opencontainers.image.{key.lower()}={value}"]
    bundle = ca_bundle()
    if bundle:
        cmd += ["--secret", f"id=pip_ca,src={bundle}"]
    if no_cache:
        cmd.append("--no-cache")
    # The exact image built, even if another build moves the tag meanwhile.
    iidfile = Path(tempfile.mkstemp(prefix="image-iid-")[1])
    cmd += ["--iidfile", str(iidfile)]
    cmd.append(str(ROOT))
    say(f"building {tag} on {base} (revision {args['REVISION'][:12]})")
    start = time.monotonic()
    with tempfile.TemporaryFile() as log:
        result = _run(cmd, check=False, stdout=log, timeout=1800)
        if result.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-4000:]
            raise ImageError(f"the image build failed (exit {result.returncode}):\n{tail}")
    seconds = time.monotonic() - start
    image_id = iidfile.read_text().strip().removeprefix("sha256:")
    iidfile.unlink()
    size = int(inspect(image_id, "{{.Size}}", kind="image"))
    figures = {
        "tag": tag,
        "id": image_id,
        "base": base,
        "base_seconds": round(base_seconds, 1),
        "build_seconds": round(seconds, 1),
        "size_bytes": size,
        "size_mb": round(size / 1e6, 1),
        **{k.lower(): v for k, v in args.items()},
    }
    say(
        f"built {tag}: {figures['size_mb']} MB, build {seconds:.1f}s"
        + (f" + local base {base_seconds:.1f}s" if base_seconds else "")
    )
    return figures


def default_ref() -> str:
    """The image that run/migrate start: IMAGE_REF (an id or a registry reference), else :dev."""
    return os.environ.get("IMAGE_REF") or f"{IMAGE}:dev"


# --- run ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_volume(name: str) -> str:
    podman("volume", "create", "--label", LABEL, name)
    return name


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
        args += ["--env", f"PORT={port}", "--env", f"GUNICORN_BIND=127.0.0.1:{port}"]
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
    _run(args, capture=True, timeout=120)
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
    args = [engine(), "run", "--rm", "--no-healthcheck"]
    args += run_args(sqlite_volume=sqlite_volume, database_url=database_url, env=env)
    return _run([*args, tag, *command], check=False, capture=True, timeout=timeout)


def health_status(name: str) -> str:
    return inspect(name, "{{.State.Health.Status}}")


def state(name: str) -> str:
    return inspect(name, "{{.State.Status}}")


def logs(name: str) -> str:
    result = _run([engine(), "logs", name], check=False, capture=True, timeout=60)
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
            _run([engine(), "healthcheck", "run", name], check=False, capture=True, timeout=30)
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
    _run(
        [engine(), "stop", "--time", str(grace), name],
        check=False,
        capture=True,
        timeout=grace + 60,
    )
    seconds = time.monotonic() - start
    code = int(inspect(name, "{{.State.ExitCode}}"))
    return seconds, code


def remove(name: str) -> None:
    _run([engine(), "rm", "--force", "--volumes", name], check=False, capture=True, timeout=120)


def remove_volume(name: str) -> None:
    _run([engine(), "volume", "rm", "--force", name], check=False, capture=True, timeout=120)


def cleanup_labelled() -> list[str]:
    """Remove every container and volume this script created; return their names."""
    removed = []
    listed = _run(
        [engine(), "ps", "--all", "--filter", f"label={LABEL}", "--format", "{{.Names}}"],
        check=False,
        capture=True,
    )
    for name in (listed.stdout or "").split():
        remove(name)
        removed.append(name)
    volumes = _run(
        [engine(), "volume", "ls", "--filter", f"label={LABEL}", "--format", "{{.Name}}"],
        check=False,
        capture=True,
    )
    for name in (volumes.stdout or "").split():
        remove_volume(name)
        removed.append(name)
    return removed


@contextlib.contextmanager
def container(name: str, **kwargs):
    """run() as a context manager: yields the base URL; always removes the container."""
    try:
        yield run(name, **kwargs)
    finally:
        remove(name)


# --- the smoke and contract suites against a running container ------------------------------


def suite_targets(suite: str) -> tuple[list[str], str | None]:
    """What of tests/SUITE can run against a BASE_URL, and, when nothing, why not.

    Test files that read BASE_URL themselves are run alone (tests/contract/test_live.py: the
    rest of that gate tests the code in-process); when only the suite's conftest or helpers read
    it (tests/smoke), the whole folder runs.
    """
    folder = ROOT / "tests" / suite
    files = sorted(folder.rglob("*.py")) if folder.is_dir() else []
    tests = [f for f in files if f.name.startswith("test_")]
    if not tests:
        return [], f"tests/{suite} has no tests on this branch yet"
    reads = [f for f in files if "BASE_URL" in f.read_text(errors="replace")]
    if not reads:
        return [], f"tests/{suite} does not read BASE_URL, so it cannot target a container"
    live_tests = [f for f in reads if f in tests]
    chosen = live_tests or [folder]
    return [str(path.relative_to(ROOT)) for path in chosen], None


def suite_status(suite: str) -> str | None:
    """None when tests/SUITE can run against a BASE_URL; else why it cannot, in one line."""
    return suite_targets(suite)[1]


def has_tox_env(suite: str) -> bool:
    return re.search(rf"^\[testenv:{suite}\]", (ROOT / "tox.ini").read_text(), re.M) is not None


def run_suite(suite: str, base_url: str, tag: str, extra_env: dict[str, str] | None = None):
    """Run tests/SUITE against BASE_URL, inside the suite's own tox env when it has one (its
    pinned deps, pass_env and settings: `toxw exec -e SUITE`), else in this environment.

    JUnit: reports/image-SUITE-TAG.xml. Returns the CompletedProcess.
    """
    targets, reason = suite_targets(suite)
    if reason:
        raise ImageError(reason)
    junit = ROOT / "reports" / f"image-{suite}-{tag}.xml"
    junit.parent.mkdir(exist_ok=True)
    pytest_cmd = [
        "python",
        "-m",
        "pytest",
        *targets,
        f"--junitxml={junit}",
        "-o",
        f"junit_suite_name=image-{suite}-{tag}",
    ]
    if has_tox_env(suite):
        cmd = [sys.executable, str(ROOT / "toxw"), "exec", "-e", suite, "--", *pytest_cmd]
    else:
        cmd = [sys.executable, *pytest_cmd[1:]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOX_")}
    env.update(extra_env or {})
    env["BASE_URL"] = base_url
    env.pop("DATABASE_URL", None)  # the suite talks to the container, not to a database
    say(f"running {' '.join(targets)} against {base_url}")
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)


# --- command line ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="action", required=True)

    p = sub.add_parser("build", help="build the image; print its figures as JSON")
    p.add_argument("--tag")
    p.add_argument("--base", help="base image (default: the Dockerfile's, else a local one)")
    p.add_argument("--no-cache", action="store_true")

    p = sub.add_parser("base", help="build the local base image from Debian's packages")
    p.add_argument("--rebuild", action="store_true")

    for action in ("run", "migrate"):
        p = sub.add_parser(action, help=f"{action} the image")
        p.add_argument("--tag")
        p.add_argument("--sqlite-volume", help="named volume mounted at /data (SQLite)")
        p.add_argument("--database-url", help="PostgreSQL URL (the container uses host network)")
        p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
        if action == "run":
            p.add_argument("--name", required=True)
            p.add_argument("--port", type=int)
            p.add_argument("--timeout", type=float, default=90.0)

    p = sub.add_parser("stop", help="stop (SIGTERM) and remove a container")
    p.add_argument("name")
    p.add_argument("--grace", type=int, default=30)

    p = sub.add_parser("suites", help="run the smoke and contract suites against BASE_URL")
    p.add_argument("base_url")
    p.add_argument("--tag", default="manual", help="suffix of the JUnit file names")

    sub.add_parser("cleanup", help="remove every container and volume this script created")

    args = parser.parse_args(argv)
    try:
        if args.action == "build":
            print(json.dumps(build(args.tag, args.base, args.no_cache), indent=2))
        elif args.action == "base":
            build_local_base(rebuild=args.rebuild)
            print(LOCAL_BASE)
        elif args.action in ("run", "migrate"):
            env = dict(item.split("=", 1) for item in args.env)
            if "DJANGO_SECRET_KEY" in os.environ:  # pass it on by name, never on a command line
                env.setdefault("DJANGO_SECRET_KEY", os.environ["DJANGO_SECRET_KEY"])
            common = dict(
                tag=args.tag,
                sqlite_volume=args.sqlite_volume,
                database_url=args.database_url,
                env=env,
            )
            if args.sqlite_volume:
                exists = _run(
                    [engine(), "volume", "inspect", args.sqlite_volume], check=False, capture=True
                )
                if exists.returncode != 0:
                    _run([engine(), "volume", "create", args.sqlite_volume], capture=True)
            if args.action == "migrate":
                result = one_off(["migrate"], **common)
                print(result.stdout, end="")
                print(result.stderr, end="", file=sys.stderr)
                return result.returncode
            url = run(args.name, port=args.port, **common)
            seconds = wait_healthy(args.name, args.timeout)
            say(f"{args.name} healthy after {seconds:.1f}s")
            print(url)
        elif args.action == "stop":
            seconds, code = stop(args.name, args.grace)
            say(f"{args.name} stopped in {seconds:.1f}s with exit code {code}")
            remove(args.name)
            return 0 if code == 0 else 1
        elif args.action == "suites":
            failed = 0
            for suite in SUITES:
                reason = suite_status(suite)
                if reason:
                    say(f"not run: {reason}")
                    continue
                result = run_suite(suite, args.base_url, args.tag)
                print(result.stdout[-6000:], end="")
                print(result.stderr[-3000:], end="", file=sys.stderr)
                failed += result.returncode != 0
            return 1 if failed else 0
        elif args.action == "cleanup":
            for name in cleanup_labelled():
                say(f"removed {name}")
    except ImageError as exc:
        print(f"image: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
