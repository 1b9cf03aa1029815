"""Validate azure-pipelines.yml and every template under pipelines/ against the official
Azure Pipelines schema (the copy vendored in check-jsonschema, so it works offline).

    python -m harness.pipeline.lint [ROOT]

Exit status is check-jsonschema's: 0 when every file is valid.
"""

import subprocess
import sys
from pathlib import Path

from harness.common.paths import ROOT

SCHEMA_ARGS = [
    "--builtin-schema",
    "vendor.azure-pipelines",
    "--data-transform",
    "azure-pipelines",
    "--regex-variant",
    "python",
]


def pipeline_files(root: Path) -> list[Path]:
    """The main pipeline file and every template, so a new template is validated too."""
    files = [root / "azure-pipelines.yml"]
    files += sorted((root / "pipelines").rglob("*.yml"))
    files += sorted((root / "pipelines").rglob("*.yaml"))
    return files


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else ROOT
    files = pipeline_files(root)
    missing = [f for f in files if not f.is_file()]
    if missing:
        print(f"pipeline lint: missing {', '.join(map(str, missing))}", file=sys.stderr)
        return 1
    names = ", ".join(str(f.relative_to(root)) for f in files)
    print(f"pipeline lint: Azure Pipelines schema on {names}", flush=True)
    command = [sys.executable, "-m", "check_jsonschema", *SCHEMA_ARGS, *map(str, files)]
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
