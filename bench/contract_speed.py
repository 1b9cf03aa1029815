#!/usr/bin/env python3
"""Benchmark (not a test): contract test cases per second, in-process and live, and the wall time
of the whole contract gate.

    python3 bench/contract_speed.py              # default examples per operation (100)
    CONTRACT_MAX_EXAMPLES=50 python3 bench/contract_speed.py

It runs ``python3 toxw -e contract`` once (which runs the in-process mode and, with BASE_URL unset,
the live mode against a local server), times it, and prints the per-mode figures that the run
wrote to reports/contract-stats.json. Nothing is asserted: the figures vary with the machine.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATS = ROOT / "reports" / "contract-stats.json"


def main() -> int:
    STATS.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "BASE_URL"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "toxw", "-e", "contract"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-2000:], sep="\n")
        print(f"python3 toxw -e contract failed (exit {result.returncode}) after {wall:.1f}s")
        return result.returncode
    stats = json.loads(STATS.read_text())
    examples = os.environ.get("CONTRACT_MAX_EXAMPLES", "100")
    print(f"examples per operation: {examples}")
    print(f"{'mode':<10} {'test cases':>10} {'seconds':>8} {'cases/s':>8}")
    for mode, label in (("inprocess", "in-process"), ("live", "live")):
        figures = stats.get(mode)
        if figures:
            print(
                f"{label:<10} {figures['requests']:>10} {figures['seconds']:>8.1f} "
                f"{figures['requests_per_second']:>8.1f}"
            )
    print(f"wall time of python3 toxw -e contract: {wall:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
