"""The image script's functions under one name: ``from harness.image import engine``.

They live in the modules beside this one: runner (the podman or docker engine), base (the base
image), build (labels, build, the shipped image), containers (run, wait, stop, clean up), suites
(the smoke and contract suites against a container) and cli (``python -m harness.image``).
"""

from __future__ import annotations

import sys

from harness.image.base import (
    BASE_PACKAGES,
    DEBIAN_SUITE,
    DOCKERFILE,
    LOCAL_BASE,
    build_local_base,
    dockerfile_default_base,
    resolve_base,
)
from harness.image.build import (
    DEFAULT_CA_BUNDLE,
    IMAGE,
    REF_FILE,
    build,
    build_command,
    ca_bundle,
    default_ref,
    describe,
    labels,
    project_version,
    shipped_image,
    source_url,
)
from harness.image.cli import main
from harness.image.containers import (
    CONTAINER_PORT,
    LABEL,
    cleanup_labelled,
    container,
    create_volume,
    ensure_volume,
    health_status,
    logs,
    one_off,
    remove,
    remove_volume,
    run,
    run_args,
    state,
    stop,
    wait_healthy,
)
from harness.image.runner import (
    CONTAINERS_CONF,
    ImageError,
    call,
    engine,
    engine_available,
    engine_env,
    image_exists,
    inspect,
    is_podman,
    podman,
    say,
)
from harness.image.suites import (
    SUITES,
    has_tox_env,
    run_suite,
    suite_status,
    suite_targets,
)

__all__ = [
    "BASE_PACKAGES",
    "CONTAINERS_CONF",
    "CONTAINER_PORT",
    "DEBIAN_SUITE",
    "DEFAULT_CA_BUNDLE",
    "DOCKERFILE",
    "IMAGE",
    "LABEL",
    "LOCAL_BASE",
    "REF_FILE",
    "SUITES",
    "ImageError",
    "build",
    "build_command",
    "build_local_base",
    "ca_bundle",
    "call",
    "cleanup_labelled",
    "container",
    "create_volume",
    "default_ref",
    "describe",
    "dockerfile_default_base",
    "engine",
    "engine_available",
    "engine_env",
    "ensure_volume",
    "has_tox_env",
    "health_status",
    "image_exists",
    "inspect",
    "is_podman",
    "labels",
    "logs",
    "main",
    "one_off",
    "podman",
    "project_version",
    "remove",
    "remove_volume",
    "resolve_base",
    "run",
    "run_args",
    "run_suite",
    "say",
    "shipped_image",
    "source_url",
    "state",
    "stop",
    "suite_status",
    "suite_targets",
    "wait_healthy",
]

if __name__ == "__main__":
    sys.exit(main())
