"""Drift gate: contract/openapi.yaml must be exactly what the code generates."""

import difflib
import subprocess
import sys
from pathlib import Path

from harness.common.paths import ROOT

CONTRACT = ROOT / "contract" / "openapi.yaml"
REGENERATE = "python3 toxw -e contract-regenerate"


def generate_contract(target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(target),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def test_committed_contract_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    generate_contract(generated)
    expected = generated.read_text().splitlines(keepends=True)
    committed = CONTRACT.read_text().splitlines(keepends=True) if CONTRACT.exists() else []
    diff = "".join(
        difflib.unified_diff(
            committed,
            expected,
            "contract/openapi.yaml (committed)",
            "contract/openapi.yaml (generated from the code)",
        )
    )
    assert not diff, (
        "The committed contract differs from what the code generates. Either the API changed "
        f"without regenerating the contract, or the file was edited by hand.\n{diff}\n"
        f"Regenerate it with: {REGENERATE}  (then review and commit the diff)"
    )
