"""Reporting of the property-based tests.

- How many requests each mode sent, and how fast; the same figures go to
  reports/contract-stats.json, which bench/contract_speed.py reads.
- On failure, reports/contract-failures.txt: each failing test with Schemathesis's account of the
  failure and the ``curl`` command that reproduces it.
"""

import json
from collections import Counter

from tests.contract import settings

MODES = {"test_inprocess.py": "inprocess", "test_live.py": "live"}
FAILURES = settings.REPORTS / "contract-failures.txt"
_seconds: Counter = Counter()
_failures: list[str] = []


def pytest_sessionstart(session):
    FAILURES.unlink(missing_ok=True)  # a report from an earlier run must not look current


def pytest_runtest_logreport(report):
    mode = MODES.get(report.nodeid.split("::")[0].rsplit("/", 1)[-1])
    if mode:
        # setup included: the live mode's first test pays for starting gunicorn
        _seconds[mode] += report.duration
    if report.failed:
        _failures.append(f"=== {report.nodeid} ({report.when}) ===\n{report.longreprtext}\n")


def pytest_terminal_summary(terminalreporter):
    for line in settings.SUMMARY:
        terminalreporter.write_line(line)
    if _failures:
        settings.REPORTS.mkdir(exist_ok=True)
        FAILURES.write_text("\n".join(_failures))
        terminalreporter.write_line(f"contract failures, with curl reproductions: {FAILURES}")
    stats = {}
    for mode in ("inprocess", "live"):
        calls, seconds = settings.CALLS[mode], _seconds[mode]
        if not calls:
            continue
        stats[mode] = {
            "requests": calls,
            "seconds": round(seconds, 3),
            "requests_per_second": round(calls / seconds, 1) if seconds else None,
        }
        terminalreporter.write_line(
            f"contract {mode}: {calls} requests in {seconds:.1f}s "
            f"({stats[mode]['requests_per_second']}/s), "
            f"{settings.MAX_EXAMPLES} examples per operation, seed {settings.SEED}"
        )
    if stats:
        settings.REPORTS.mkdir(exist_ok=True)
        (settings.REPORTS / "contract-stats.json").write_text(json.dumps(stats, indent=2) + "\n")
