"""checkov's terraform framework over infra/terraform, offline, judged against
infra/checkov-skips.yaml: a finding no skip accepts fails, and so does a skip that no longer
matches a finding. checkov runs from its own tox env (harness/common/checkov.py).

A root of several environments is scanned once per environment, with that environment's values
file (<name>.tfvars) as the values checkov reads, so that each environment's settings are
judged as they would be deployed (a copy of infra/terraform where the file is <name>.auto.tfvars).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from harness.common import checkov
from harness.iac.tree import INFRA, Infra

SKIPS = "checkov-skips.yaml"


def _scan(terraform: Path, infra: Path, values: tuple[str, str] | None) -> list[tuple[str, dict]]:
    """(where, failed check) of one checkov run over `terraform`, named as in `infra`; a finding
    in the root of `values` (its folder, its file) or in a module it calls names that file."""
    failures = []
    for check in checkov.run_checkov("terraform", terraform):
        where = f"{infra.name}/terraform{check['file_path']}:{check['file_line_range'][0]}"
        caller = check.get("caller_file_path") or ""
        if caller:
            where += f" (called from {infra.name}/terraform{caller}"
            where += f" with {values[1]})" if values and caller.startswith(values[0]) else ")"
        elif values and check["file_path"].startswith(values[0]):
            where += f" (with {values[1]})"
        failures.append((where, check))
    return failures


def scan(infra: Path = INFRA) -> list[tuple[str, dict]]:
    """(where, failed check): the file of the resource and, for a module, the root calling it
    and the environment's values file."""
    terraform = infra / "terraform"
    environments = [
        (root.path.relative_to(terraform), values)
        for root in Infra(infra).roots
        for values in root.values_files.values()
    ]
    if not environments:
        return _scan(terraform, infra, None)
    found: dict[tuple, tuple[str, dict]] = {}
    for folder, values in environments:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "terraform"
            shutil.copytree(terraform, copy, ignore=shutil.ignore_patterns(".terraform*"))
            shutil.copy(values.path, copy / folder / f"{values.stem}.auto.tfvars")
            for where, check in _scan(copy, infra, (f"/{folder}/", values.path.name)):
                found.setdefault((where, check["check_id"], check.get("resource")), (where, check))
    return list(found.values())


def problems(infra: Path = INFRA, failures: list[tuple[str, dict]] | None = None) -> list[str]:
    skips = checkov.load_skips(infra / SKIPS)
    found = scan(infra) if failures is None else failures
    return checkov.judge(
        found, skips, "terraform", f"{infra.name}/{SKIPS}", "fix the configuration"
    )
