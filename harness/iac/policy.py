"""checkov's terraform framework over infra/terraform, offline, judged against
infra/checkov-skips.yaml: a finding no skip accepts fails, and so does a skip that no longer
matches a finding. checkov runs from its own tox env (harness/common/checkov.py)."""

from __future__ import annotations

from pathlib import Path

from harness.common import checkov
from harness.iac.tree import INFRA

SKIPS = "checkov-skips.yaml"


def scan(infra: Path = INFRA) -> list[tuple[str, dict]]:
    """(where, failed check): the file of the resource and, for a module, the root calling it."""
    failures = []
    for check in checkov.run_checkov("terraform", infra / "terraform"):
        where = f"{infra.name}/terraform{check['file_path']}:{check['file_line_range'][0]}"
        if check.get("caller_file_path"):
            where += f" (called from {infra.name}/terraform{check['caller_file_path']})"
        failures.append((where, check))
    return failures


def problems(infra: Path = INFRA, failures: list[tuple[str, dict]] | None = None) -> list[str]:
    skips = checkov.load_skips(infra / SKIPS)
    found = scan(infra) if failures is None else failures
    return checkov.judge(
        found, skips, "terraform", f"{infra.name}/{SKIPS}", "fix the configuration"
    )
