"""Gate report: every report under reports/ in one Markdown summary for release managers.

    python3 toxw -e report                           # after .ci/run: the gates .ci/run runs
    python3 toxw -e report -- --expect lint,unit     # only these must have reports
    GATE_REPORT_EXPECT=lint,unit python3 toxw -e report

It reads JUnit XML (pass/fail/skip counts per gate), Cobertura coverage, the contract cases and
smoke checks, the HPA timeline (reports/hpa-timeline.json, with a link to its plot), the capacity
arithmetic (reports/capacity.json), the image digest (reports/image-digest.txt or
reports/image.json), the contract changelogs (reports/contract-changelog.json: what changes for
consumers), the active waivers (reports/harness-waivers.json) and tox's journals of the run
(reports/.tox/: the slowest gates), and writes reports/gate-report.md and reports/timings.json.

Exit status 1 when a gate that is expected has no report (a missing report is a failure, not a
pass), or when a gate's report shows a failure or no test at all; the summary is written anyway.
Which gates are expected: --expect, else GATE_REPORT_EXPECT, else `ci`. `ci` means every gate
that .ci/run runs, `default` the default gates of `python3 toxw`, `pipeline` every gate of the
registry (harness/gates.py); anything else is a comma-separated list of gate names. A gate that
is expected and never ran is MISSING; one whose report shows a failure, or no test, is FAIL.

In Azure Pipelines (TF_BUILD set) it also prints `##vso[task.uploadsummary]` so the summary shows
on the run; the pipeline publishes the file as an artifact. --collect DIR first copies the
reports of earlier stages (pipeline artifacts named reports-*) under reports/<artifact>/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from harness.common.paths import REPORTS
from harness.common.reports import ReportFiles, collect
from harness.report import timings
from harness.report.build import build, expected_gates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=Path, default=REPORTS)
    parser.add_argument("--output", type=Path, help="default: REPORTS/gate-report.md")
    parser.add_argument("--expect", default=os.environ.get("GATE_REPORT_EXPECT") or "ci")
    parser.add_argument("--collect", type=Path, help="copy REPORTS-* artifacts from this folder")
    parser.add_argument(
        "--run", default=os.environ.get("GATE_REPORT_RUN"), help="the run to judge (the newest)"
    )
    args = parser.parse_args(argv)

    reports: Path = args.reports
    reports.mkdir(parents=True, exist_ok=True)
    if args.collect:
        copied = collect(args.collect, reports)
        print(f"gate report: collected {', '.join(copied) or 'no reports-* artifact'}")
    text, gates = build(reports, expected_gates(args.expect), args.run)
    output = args.output or reports / "gate-report.md"
    output.write_text(text)
    run_id = ReportFiles(reports, args.run).run_id  # the run the report judged
    figures = timings.timings(reports, run_id, timings.started())
    (reports / "timings.json").write_text(json.dumps(figures, indent=2) + "\n")
    for gate in gates.values():
        print(f"gate report: {gate.name:<14} {gate.status}")
    print(f"gate report: wrote {output}")
    if os.environ.get("TF_BUILD"):
        print(f"##vso[task.uploadsummary]{output.resolve()}")
    bad = [g.name for g in gates.values() if g.status in {"FAIL", "MISSING"}]
    if bad:
        print(f"gate report: NOT READY, failing or missing: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
