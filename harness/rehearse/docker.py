"""`docker` for the rehearsal's steps: podman, with this machine's build options.

The Build stage runs `bash harness/image/ci_image.sh build`, which calls Docker with BuildKit.
Here there is no Docker daemon, so the rehearsal puts this command first on the step's PATH as
`docker`: `docker build` becomes the podman build that `python -m harness.image build` runs
(chroot isolation, docker format, the local base image when the Dockerfile's cannot be pulled,
the pip CA bundle as a build secret), every other command goes to podman as it is.

    python -m harness.rehearse.docker build --file Dockerfile --tag T --build-arg K=V .
"""

from __future__ import annotations

import os
import sys

from harness.image.base import resolve_base
from harness.image.build import BASE_LABEL, ca_bundle


def local_base() -> str | None:
    """The local base image, when the Dockerfile's cannot be had here and that one exists: the
    steps then get IMAGE_BASE, so the build and the gates that read the base agree on it."""
    from harness.image.base import LOCAL_BASE, dockerfile_default_base
    from harness.image.runner import image_exists

    try:
        if image_exists(dockerfile_default_base()) or not image_exists(LOCAL_BASE):
            return None
    except (OSError, RuntimeError):
        return None
    return LOCAL_BASE


def build_args(argv: list[str]) -> list[str]:
    """podman's `build` arguments for Docker's: the same tags, files and build arguments."""
    base, _seconds = resolve_base()
    args = ["build", "--isolation", "chroot", "--format", "docker", "--layers"]
    args += ["--build-arg", f"BASE_IMAGE={base}", "--label", f"{BASE_LABEL}={base}"]
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        args.append(arg)
        if arg == "--build-arg" and rest:
            value = rest.pop(0)
            args.append(value)
            key, _, text = value.partition("=")
            # buildah's layer cache keeps stale LABEL values (harness/image/build.py)
            args += ["--label", f"org.opencontainers.image.{key.lower()}={text}"]
    bundle = ca_bundle()
    if bundle:
        args[1:1] = ["--secret", f"id=pip_ca,src={bundle}"]
    return args


def main(argv: list[str]) -> int:
    args = build_args(argv[1:]) if argv[:1] == ["build"] else argv
    print(f"docker (podman here): podman {' '.join(args[:8])} ...", file=sys.stderr, flush=True)
    os.execvp("podman", ["podman", *args])
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
