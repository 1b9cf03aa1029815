"""The whole offline gate for one k8s/ tree, as a function and as a command.

    python -m harness.manifests.gate [K8S_DIR]     # prints every problem; exit 1 when there is one

The tests run the same function on the committed tree and on broken copies of it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from harness.common import verdict
from harness.common.kube import RenderError
from harness.manifests import checks, validate
from harness.manifests.render import K8S, PIPELINE_IMAGE, render_all


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    os.environ.setdefault("DJANGO_ENV", "local")
    import django

    django.setup()


def problems(k8s: Path = K8S, policy: bool = True) -> list[str]:
    """Every problem of the tree: render, schemas, cross-object and code checks, policy scan."""
    setup_django()
    try:
        variants = render_all(k8s)
        deployed = render_all(k8s, image=PIPELINE_IMAGE) if policy else {}
    except RenderError as exc:
        return [str(exc)]
    found = []
    for variant in variants.values():
        found += validate.validate_schemas(variant)
    found += checks.run_all(variants)
    found += checks.check_tree_for_secrets(k8s)
    if policy:
        skips = validate.load_skips(k8s / "checkov-skips.yaml")
        found += validate.judge(validate.scan_variants(deployed), skips, "kubernetes")
    return found


def main(argv: list[str]) -> int:
    k8s = Path(argv[0]).resolve() if argv else K8S
    return verdict.report("manifests", k8s, problems(k8s))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
