"""Schema validation (kubernetes-validate, strict) and the checkov policy scan, both offline."""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import kubernetes_validate
import kubernetes_validate.utils
import yaml

from tests.manifests.render import K8S, ROOT, Variant

# The AKS Kubernetes minor versions the clusters run or are upgraded to next. Keep it in step with
# the AKS supported-versions calendar (k8s/README.md).
TARGET_VERSIONS = ("1.34", "1.35", "1.36")

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


def checkov_bin() -> str:
    """checkov of the `checkov` tox env (tox.ini passes CHECKOV_BIN), or one beside Python."""
    if os.environ.get("CHECKOV_BIN"):
        return os.environ["CHECKOV_BIN"]
    for candidate in (Path(sys.executable).parent / "checkov", ROOT / ".tox/checkov/bin/checkov"):
        if candidate.exists():
            return str(candidate)
    raise AssertionError("checkov not found: run `python3 toxw -e checkov` to install it")


def _offline_env() -> dict:
    # No download of policies or metadata, no version check; any request that still tries to
    # leave goes to a closed local port and fails, so the scan is the same with or without network.
    return {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "LOG_LEVEL": "WARNING",
    }


def run_checkov(framework: str, target: Path) -> list[dict]:
    """Failed checks of one checkov run with no skips (the skip file is applied afterwards)."""
    option = "-d" if target.is_dir() else "-f"
    command = [
        checkov_bin(),
        option,
        str(target),
        "--framework",
        framework,
        "--skip-download",
        "--output",
        "json",
        "--quiet",
        "--compact",
        "--soft-fail",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=_offline_env(), cwd=target.parent
    )
    try:
        report = json.loads(result.stdout) if result.stdout.strip() else {}
    except json.JSONDecodeError as exc:
        raise AssertionError(
            f"checkov {framework} printed no JSON report (exit {result.returncode}): "
            f"{result.stdout[-2000:]} {result.stderr[-2000:]}"
        ) from exc
    reports = report if isinstance(report, list) else [report]
    failed = []
    for item in reports:
        if item.get("check_type") not in (framework, None):
            continue
        failed += (item.get("results") or {}).get("failed_checks") or []
    if result.returncode != 0:
        raise AssertionError(f"checkov {framework} failed to run: {result.stderr[-2000:]}")
    return failed


def scan_variants(variants: dict[str, Variant]) -> list[tuple[str, dict]]:
    """(variant name, failed check) of the kubernetes framework over every rendered variant."""
    with tempfile.TemporaryDirectory(prefix="checkov-k8s-") as tmp:
        folder = Path(tmp) / "rendered"
        folder.mkdir()
        for name, variant in variants.items():
            (folder / f"{name}.yaml").write_text(variant.text)
        failed = run_checkov("kubernetes", folder)
    return [(Path(f["file_path"]).stem, f) for f in failed]


def framework_of(check_id: str) -> str:
    return "dockerfile" if "_DOCKER_" in check_id else "kubernetes"


def load_skips(path: Path = SKIPS_FILE) -> list[dict]:
    data = yaml.safe_load(path.read_text()) or {}
    return data.get("skips") or []


def skip_for(check: dict, skips: list[dict]) -> dict | None:
    for skip in skips:
        if skip["id"] != check["check_id"]:
            continue
        patterns = skip.get("resources") or ["*"]
        if any(fnmatch.fnmatchcase(check.get("resource", ""), p) for p in patterns):
            return skip
    return None


def judge(failures: list[tuple[str, dict]], skips: list[dict], framework: str) -> list[str]:
    """Problems: failures no skip accepts, and skips (of this framework) that match nothing."""
    problems = []
    used: set[int] = set()
    for where, check in failures:
        skip = skip_for(check, skips)
        if skip is None:
            problems.append(
                f"{where}: {check.get('resource')}: checkov {check['check_id']} "
                f"({check.get('check_name')}) fails; fix the manifest, or accept it with a "
                f"reason in {SKIPS_FILE.relative_to(ROOT)}"
            )
        else:
            used.add(id(skip))
    for skip in skips:
        if framework_of(skip["id"]) == framework and id(skip) not in used:
            problems.append(
                f"{SKIPS_FILE.relative_to(ROOT)}: {skip['id']} {skip.get('resources', ['*'])} "
                "is skipped but no longer fails; remove the skip"
            )
    return problems


def yaml_dump(objects: list[dict]) -> str:
    return yaml.safe_dump_all(objects, sort_keys=False)
