"""checkov, offline, for every gate that scans with it (manifests: kubernetes and dockerfile;
iac: terraform), and the one way its findings are judged against a skips file.

checkov lives in its own tox env (`checkov`, requirements/checkov.txt: it pins packaging<24,
which pytest cannot share); a gate's tox env installs it and passes its path as CHECKOV_BIN.
A skips file lists every accepted finding with its reason; checkov itself runs with no skip.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from harness.common.paths import ROOT


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


def framework_of(check_id: str) -> str:
    if "_DOCKER_" in check_id:
        return "dockerfile"
    return "kubernetes" if "_K8S_" in check_id else "terraform"


def load_skips(path: Path) -> list[dict]:
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


def judge(
    failures: list[tuple[str, dict]],
    skips: list[dict],
    framework: str,
    skips_file: str,
    fix: str = "fix the manifest",
) -> list[str]:
    """Problems: failures no skip accepts, and skips (of this framework) that match nothing.
    `skips_file` is the skips file as the messages name it, e.g. k8s/checkov-skips.yaml."""
    problems = []
    used: set[int] = set()
    for where, check in failures:
        skip = skip_for(check, skips)
        if skip is None:
            problems.append(
                f"{where}: {check.get('resource')}: checkov {check['check_id']} "
                f"({check.get('check_name')}) fails; {fix}, or accept it with a "
                f"reason in {skips_file}"
            )
        else:
            used.add(id(skip))
    for skip in skips:
        if framework_of(skip["id"]) == framework and id(skip) not in used:
            problems.append(
                f"{skips_file}: {skip['id']} {skip.get('resources', ['*'])} "
                "is skipped but no longer fails; remove the skip"
            )
    return problems
