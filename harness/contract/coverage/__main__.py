"""The contract-coverage gate: which documented responses and constraints the gates' tests
demonstrated, and whether any response they saw is not in the contract.

    python -m harness.contract.coverage [--run ID] [--baseline FILE] [--collect DIR]

Reads reports/exchanges/ (recorded by every gate the registry marks ``records``), writes
reports/contract-coverage.json and reports/contract-coverage.xml, and exits 1 when anything
blocks the release (docs/contract-coverage.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from harness.common.paths import CONTRACT, REPORTS
from harness.common.reports import collect
from harness.contract.coverage import evidence, matrix, output, result, spec


def _baseline(path: Path | None) -> dict | None:
    if path is None:
        return None
    if not path.exists():
        # the pipeline's first run on a branch: main has published no matrix yet
        print(f"contract-coverage: no baseline at {path} (no earlier run of main published one)")
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"contract-coverage: cannot read the baseline {path}: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.contract.coverage")
    parser.add_argument("--run", help="judge this run (default: GATE_RUN_ID when it recorded)")
    parser.add_argument("--baseline", type=Path, help="the base branch's contract-coverage.json")
    parser.add_argument("--reports", type=Path, default=REPORTS)
    parser.add_argument("--contract", type=Path, default=CONTRACT)
    parser.add_argument("--collect", type=Path, help="copy reports-* artifacts from this folder")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.collect:
        copied = collect(args.collect, args.reports)
        print(f"contract-coverage: collected {', '.join(copied) or 'no reports-* artifact'}")
    if not args.run:
        # .ci/run and the pipeline share one GATE_RUN_ID across gates; `toxw -e contract-coverage`
        # run alone has a fresh one that recorded nothing: then each gate's latest run counts.
        current = os.environ.get("GATE_RUN_ID") or None
        args.run = current if current and evidence.run_files(args.reports, current) else None
    found = evidence.load(args.reports, args.run)
    run = f"run {args.run}" if args.run else "each gate's latest run"
    if not found.exchanges:
        print(
            f"contract-coverage: no recorded exchanges in {args.reports}/exchanges for {run}; "
            "run the gates first (python3 toxw, then the gates of .ci/run)"
        )
        return 1
    contract = spec.load(args.contract)
    try:
        data = result.report(
            contract, matrix.build(contract, found), found.gates, _baseline(args.baseline)
        )
    except result.ExclusionError as exc:
        print(f"contract-coverage: {exc}")
        return 1
    data["run"] = args.run
    data["files"] = [str(p.relative_to(args.reports)) for p in found.files]
    data["unreadable"] = found.unreadable
    data["seconds"] = round(time.monotonic() - started, 2)
    print("\n".join(output.lines(data)))
    for line in found.unreadable:
        print(f"  (a half-written line was skipped: {line})")
    args.reports.mkdir(parents=True, exist_ok=True)
    (args.reports / "contract-coverage.json").write_text(json.dumps(data, indent=2) + "\n")
    output.write_junit(args.reports / "contract-coverage.xml", data, data["seconds"])
    for failure in data["failures"]:
        print(f"FAIL {failure}")
    verdict = "PASSED" if not data["failures"] else f"FAILED ({len(data['failures'])} problem(s))"
    print(f"contract coverage {verdict} in {data['seconds']}s; reports/contract-coverage.json")
    return 1 if data["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
