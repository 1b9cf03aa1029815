"""Prints how many requests each mode of the property-based tests sent, and how fast.

The same figures go to reports/contract-stats.json, which bench/contract_speed.py reads.
"""

import json
from collections import Counter

from tests.contract import settings

MODES = {"test_inprocess.py": "inprocess", "test_live.py": "live"}
_seconds: Counter = Counter()


def pytest_runtest_logreport(report):
    mode = MODES.get(report.nodeid.split("::")[0].rsplit("/", 1)[-1])
    if mode:
        # setup included: the live mode's first test pays for starting gunicorn
        _seconds[mode] += report.duration


def pytest_terminal_summary(terminalreporter):
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
