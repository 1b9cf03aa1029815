"""Schema validation (kubernetes-validate, strict) and the checkov policy scan, both offline
(checkov itself runs through harness/common/checkov.py)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import kubernetes_validate
import kubernetes_validate.utils

from harness.common import checkov
from harness.manifests.render import K8S, ROOT, Variant
from harness.manifests.versions import TARGET_VERSIONS

# kubernetes-validate reads and parses its schema files (the definitions file is several MB) on
# every call; the files never change during a run, so parse each one once.
kubernetes_validate.utils.schema_contents = functools.lru_cache(maxsize=None)(
    kubernetes_validate.utils.schema_contents
)

SKIPS_FILE = K8S / "checkov-skips.yaml"
DOCKERFILE = ROOT / "Dockerfile"


def validate_schemas(variant: Variant, versions=TARGET_VERSIONS) -> list[str]:
    """Every object against the strict Kubernetes schema of every target version.

    kubernetes-validate only warns about a kind it has no schema for; here that is a failure,
    because an unknown kind (or apiVersion) is what a typo there looks like.
    """
    problems = []
    for obj in variant.objects:
        what = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        for version in versions:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                field = ".".join(str(p) for p in exc.path) or "(top level)"
                problems.append(
                    f"{variant.name}: {what}: {field}: {exc.message} "
                    f"(Kubernetes {version} schema, strict)"
                )
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(
                    f"{variant.name}: {what}: kind {obj.get('kind')!r} with apiVersion "
                    f"{obj.get('apiVersion')!r} does not exist in Kubernetes {version}"
                )
    return problems


def scan_variants(variants: dict[str, Variant]) -> list[tuple[str, dict]]:
    """(variant name, failed check) of the kubernetes framework over every rendered variant."""
    with tempfile.TemporaryDirectory(prefix="checkov-k8s-") as tmp:
        folder = Path(tmp) / "rendered"
        folder.mkdir()
        for name, variant in variants.items():
            (folder / f"{name}.yaml").write_text(variant.text)
        failed = checkov.run_checkov("kubernetes", folder)
    return [(Path(f["file_path"]).stem, f) for f in failed]


def load_skips(path: Path = SKIPS_FILE) -> list[dict]:
    return checkov.load_skips(path)


def judge(failures: list[tuple[str, dict]], skips: list[dict], framework: str) -> list[str]:
    """The findings of k8s/ and the Dockerfile against k8s/checkov-skips.yaml."""
    return checkov.judge(failures, skips, framework, str(SKIPS_FILE.relative_to(ROOT)))
