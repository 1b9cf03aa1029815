"""Build and run the users API's container image with podman (or Docker with BuildKit).

    python -m harness.image build [--tag TAG] [--base IMAGE]   # build; print size and build time
    python -m harness.image base [--rebuild]                    # local base image from Debian
    python -m harness.image run --name NAME [--sqlite-volume VOL | --database-url URL] [--port P]
    python -m harness.image migrate [--sqlite-volume VOL | --database-url URL]
    python -m harness.image stop NAME                           # SIGTERM, wait, remove
    python -m harness.image suites BASE_URL [--tag NAME]        # smoke + contract suites at a URL

`python3 toxw -e image` (tests/image) drives the same functions; a pipeline can call the same
commands.
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
import json
import os
import sys

from harness.image.base import LOCAL_BASE, build_local_base
from harness.image.build import build, labels
from harness.image.containers import (
    cleanup_labelled,
    ensure_volume,
    one_off,
    remove,
    run,
    stop,
    wait_healthy,
)
from harness.image.runner import ImageError, say
from harness.image.suites import SUITES, run_suite, suite_status


def cmd_build(args: argparse.Namespace) -> int:
    print(json.dumps(build(args.tag, args.base, args.no_cache), indent=2))
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    for key, value in labels().items():
        print(f"{key}={value}")
    return 0


def cmd_base(args: argparse.Namespace) -> int:
    build_local_base(rebuild=args.rebuild)
    print(LOCAL_BASE)
    return 0


def _container_options(args: argparse.Namespace) -> dict:
    """The options run and migrate share; creates the SQLite volume when it does not exist."""
    env = dict(item.split("=", 1) for item in args.env)
    if "DJANGO_SECRET_KEY" in os.environ:  # pass it on by name, never on a command line
        env.setdefault("DJANGO_SECRET_KEY", os.environ["DJANGO_SECRET_KEY"])
    if args.sqlite_volume:
        ensure_volume(args.sqlite_volume)
    return dict(
        tag=args.tag,
        sqlite_volume=args.sqlite_volume,
        database_url=args.database_url,
        env=env,
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    result = one_off(["migrate"], **_container_options(args))
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    return result.returncode


def cmd_run(args: argparse.Namespace) -> int:
    url = run(args.name, port=args.port, **_container_options(args))
    seconds = wait_healthy(args.name, args.timeout)
    say(f"{args.name} healthy after {seconds:.1f}s")
    print(url)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    seconds, code = stop(args.name, args.grace)
    say(f"{args.name} stopped in {seconds:.1f}s with exit code {code}")
    remove(args.name)
    return 0 if code == 0 else 1


def cmd_suites(args: argparse.Namespace) -> int:
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


def cmd_cleanup(args: argparse.Namespace) -> int:
    for name in cleanup_labelled():
        say(f"removed {name}")
    return 0


def _add_container_parser(sub, action: str, command) -> None:
    p = sub.add_parser(action, help=f"{action} the image")
    p.set_defaults(command=command)
    p.add_argument("--tag")
    p.add_argument("--sqlite-volume", help="named volume mounted at /data (SQLite)")
    p.add_argument("--database-url", help="PostgreSQL URL (the container uses host network)")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    if action == "run":
        p.add_argument("--name", required=True)
        p.add_argument("--port", type=int)
        p.add_argument("--timeout", type=float, default=90.0)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = top.add_subparsers(dest="action", required=True)

    p = sub.add_parser("build", help="build the image; print its figures as JSON")
    p.set_defaults(command=cmd_build)
    p.add_argument("--tag")
    p.add_argument("--base", help="base image (default: the Dockerfile's, else a local one)")
    p.add_argument("--no-cache", action="store_true")

    p = sub.add_parser("labels", help="print the build arguments of the OCI labels, one a line")
    p.set_defaults(command=cmd_labels)

    p = sub.add_parser("base", help="build the local base image from Debian's packages")
    p.set_defaults(command=cmd_base)
    p.add_argument("--rebuild", action="store_true")

    _add_container_parser(sub, "run", cmd_run)
    _add_container_parser(sub, "migrate", cmd_migrate)

    p = sub.add_parser("stop", help="stop (SIGTERM) and remove a container")
    p.set_defaults(command=cmd_stop)
    p.add_argument("name")
    p.add_argument("--grace", type=int, default=30)

    p = sub.add_parser("suites", help="run the smoke and contract suites against BASE_URL")
    p.set_defaults(command=cmd_suites)
    p.add_argument("base_url")
    p.add_argument("--tag", default="manual", help="suffix of the JUnit file names")

    p = sub.add_parser("cleanup", help="remove every container and volume this script created")
    p.set_defaults(command=cmd_cleanup)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.command(args)
    except ImageError as exc:
        print(f"image: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
