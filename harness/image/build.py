"""Building the image: its OCI labels, the build itself, and the one image every gate checks.

build tags localhost/users-api:dev (IMAGE_NAME changes the name). pip inside the build may sit
behind a TLS-intercepting proxy: the CA bundle (PIP_CA_BUNDLE, else
/etc/ssl/certs/ca-certificates.crt when present) is passed as the build secret `pip_ca`, which
is mounted for the one RUN that installs the requirements and never stored in a layer.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import tomllib
import urllib.parse
from pathlib import Path

from harness.common import git, runs
from harness.common.paths import ROOT
from harness.image.base import DOCKERFILE, dockerfile_default_base, resolve_base
from harness.image.runner import ImageError, call, engine, image_exists, inspect, is_podman, say

IMAGE = os.environ.get("IMAGE_NAME", "localhost/users-api")
DEFAULT_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
REF_FILE = ROOT / "reports" / "image-ref.json"
LABEL_KEYS = ("VERSION", "REVISION", "SOURCE")
BASE_LABEL = "org.opencontainers.image.base.name"  # the OCI annotation for the base image


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def source_url() -> str:
    """Where the source lives, for the OCI label; never with credentials in it."""
    url = (
        os.environ.get("IMAGE_SOURCE")
        or os.environ.get("BUILD_REPOSITORY_URI")
        or git.output("remote", "get-url", "origin")
    )
    if not url:
        return f"file://{ROOT}"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme and "@" in parts.netloc:  # drop any credentials before the "@" of the host
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    return urllib.parse.urlunsplit(parts)


def labels() -> dict[str, str]:
    return {
        "VERSION": os.environ.get("IMAGE_VERSION") or project_version(),
        # On a pipeline agent the commit is BUILD_SOURCEVERSION (the checkout may be detached).
        "REVISION": os.environ.get("IMAGE_REVISION")
        or os.environ.get("BUILD_SOURCEVERSION")
        or runs.commit(),
        "SOURCE": source_url(),
    }


def ca_bundle() -> str | None:
    path = os.environ.get("PIP_CA_BUNDLE") or DEFAULT_CA_BUNDLE
    return path if Path(path).is_file() else None


def build_command(
    tag: str,
    base: str,
    args: dict[str, str],
    iidfile: Path,
    no_cache: bool = False,
    context: Path = ROOT,
) -> list[str]:
    """The engine's build command line: the base, the labels, the pip CA secret, the id file.

    ``context`` is another checkout to build (the benchmark builds an earlier revision's)."""
    cmd = [engine(), "build", "--file", str(context / DOCKERFILE.name), "--tag", tag]
    if is_podman():
        # docker format: OCI image configs cannot carry a HEALTHCHECK.
        cmd += ["--isolation", "chroot", "--format", "docker", "--layers"]
    cmd += ["--build-arg", f"BASE_IMAGE={base}"]
    if is_podman():
        cmd += ["--label", f"{BASE_LABEL}={base}"]  # as for the labels below
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
    cmd += ["--iidfile", str(iidfile)]
    cmd.append(str(context))
    return cmd


def _run_build(cmd: list[str]) -> float:
    """Run the build; return its seconds, or raise ImageError with the tail of its log."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as log:
        result = call(cmd, check=False, stdout=log, timeout=1800)
        if result.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-4000:]
            raise ImageError(f"the image build failed (exit {result.returncode}):\n{tail}")
    return time.monotonic() - start


def figures_of(
    tag: str,
    image_id: str,
    base: str,
    base_seconds: float,
    build_seconds: float | None,
    label_values: dict[str, str],
) -> dict:
    """The figures of an image: its names, base, times, size (read from it) and labels."""
    size = int(inspect(image_id, "{{.Size}}", kind="image"))
    return {
        "tag": tag,
        "id": image_id,
        "base": base,
        "base_seconds": base_seconds,
        "build_seconds": build_seconds,
        "size_bytes": size,
        "size_mb": round(size / 1e6, 1),
        **{key.lower(): label_values.get(key, "") for key in LABEL_KEYS},
    }


def build(
    tag: str | None = None,
    base: str | None = None,
    no_cache: bool = False,
    context: Path = ROOT,
    revision_built: str | None = None,
) -> dict:
    """Build the image; return its figures (tag, id, size, seconds, base).

    By default it builds this checkout; ``context`` and ``revision_built`` name another one (a
    tree exported from git) and the commit it holds, for its revision label."""
    tag = tag or f"{IMAGE}:dev"
    base, base_seconds = resolve_base(base)
    args = labels()
    if revision_built:
        args["REVISION"] = revision_built
    iidfile = Path(tempfile.mkstemp(prefix="image-iid-")[1])
    cmd = build_command(tag, base, args, iidfile, no_cache, context)
    say(f"building {tag} on {base} (revision {args['REVISION'][:12]})")
    seconds = _run_build(cmd)
    image_id = iidfile.read_text().strip().removeprefix("sha256:")
    iidfile.unlink()
    figures = figures_of(tag, image_id, base, round(base_seconds, 1), round(seconds, 1), args)
    say(
        f"built {tag}: {figures['size_mb']} MB, build {seconds:.1f}s"
        + (f" + local base {base_seconds:.1f}s" if base_seconds else "")
    )
    return figures


def describe(ref: str) -> dict:
    """The figures of an image built elsewhere (the pipeline's build step), read back from it."""
    image_id = inspect(ref, "{{.Id}}", kind="image").removeprefix("sha256:")
    found = json.loads(inspect(image_id, "{{json .Config.Labels}}", kind="image") or "{}") or {}
    label_values = {
        key: found.get(f"org.opencontainers.image.{key.lower()}", "") for key in LABEL_KEYS
    }
    # The base it was built on, as its label says (the Dockerfile sets it); for an image built
    # before it had that label, IMAGE_BASE when the build was told one, else the Dockerfile's.
    base = found.get(BASE_LABEL) or os.environ.get("IMAGE_BASE") or dockerfile_default_base()
    return figures_of(ref, image_id, base, 0.0, None, label_values)


def shipped_image(reuse: bool = False) -> dict:
    """The one image every gate of a run checks.

    IMAGE_REF names it when set (the pipeline's build step, which pushes that same image).
    Else the image gate builds it and records it, with its run (GATE_RUN_ID), in
    reports/image-ref.json; a later gate of the same run (capacity: reuse=True) checks that image
    instead of building another. An image recorded by another run is never reused.
    """
    ref = os.environ.get("IMAGE_REF", "").strip()
    if ref:
        say(f"checking IMAGE_REF={ref}")
        return describe(ref)
    recorded = recorded_image() if reuse else None
    if recorded:
        say(f"checking the image this run built, {recorded['id'][:12]} ({REF_FILE.name})")
        return {**describe(recorded["id"]), "base": recorded["base"]}
    figures = build()
    run_id = os.environ.get("GATE_RUN_ID", "")
    REF_FILE.parent.mkdir(exist_ok=True)
    REF_FILE.write_text(json.dumps({"run_id": run_id, **figures}, indent=2) + "\n")
    return figures


def recorded_image() -> dict | None:
    """The image recorded by this run's image gate, if it still exists."""
    try:
        recorded = json.loads(REF_FILE.read_text())
    except (OSError, ValueError):
        return None
    run_id = os.environ.get("GATE_RUN_ID", "")
    if not run_id or recorded.get("run_id") != run_id or not image_exists(recorded.get("id", "")):
        return None
    return recorded


def default_ref() -> str:
    """The image that run/migrate start: IMAGE_REF (an id or a registry reference), else :dev."""
    return os.environ.get("IMAGE_REF") or f"{IMAGE}:dev"
