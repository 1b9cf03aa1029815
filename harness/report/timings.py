"""How long each gate took, from tox's own journals: toxw asks tox for one per command
(`tox --result-json reports/.tox/RUN--….json`), which records every env's duration and each of
its commands. The gate report shows the slowest gates, so that a gate that became slower is
seen the day it lands, and writes every figure to reports/timings.json:

- `gates`: each gate env's seconds, its commands (its set-up excluded; for the rehearsal, which
  runs gates itself, without theirs);
- `tools`: the same for envs that are not gates (coverage, report, ...);
- `setup_seconds`: every env's set-up together (its virtualenv and installs);
- `total_seconds`: the run's wall time, since RUN_STARTED (the epoch second .ci/run exports), else
  from the first command's start (in its journal's name) to the last journal's end.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from harness import gates as registry

JOURNALS = ".tox"  # under reports/
SLOWEST = 5


KEPT_RUNS = 5  # a developer's reports/ keeps the journals of this many runs


def journal_path(reports: Path, run_id: str) -> Path:
    """Where toxw has tox write the journal of one command of run RUN_ID; the journals of all but
    the latest KEPT_RUNS runs go."""
    folder = reports / JOURNALS
    journals = sorted(folder.glob("*--*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    runs = list(dict.fromkeys(p.name.split("--", 1)[0] for p in journals))
    for old in (p for p in journals if p.name.split("--", 1)[0] in runs[KEPT_RUNS - 1 :]):
        if old.name.split("--", 1)[0] != run_id:
            old.unlink(missing_ok=True)
    return folder / f"{run_id}--{time.time_ns()}-{os.getpid()}.json"


def _started(path: Path) -> float:
    """When the command of the journal PATH started: journal_path() names it so."""
    return int(path.stem.split("--", 1)[1].split("-", 1)[0]) / 1e9


def _journals(reports: Path, run_id: str | None) -> list[tuple[Path, dict]]:
    found = []
    for path in sorted((reports / JOURNALS).glob(f"{run_id or '*'}--*.json")):
        try:
            found.append((path, json.loads(path.read_text())))
        except (OSError, ValueError):
            continue  # a command still running, or cut short: nothing to count yet
    return found


def _nested(spans: list[tuple[float, float]]) -> list[float]:
    """For each span (start, end), the seconds of the spans directly inside it: the commands a
    gate ran itself (the rehearsal runs gates with toxw, each with a journal of its own)."""
    inside = [
        [j for j, (s, e) in enumerate(spans) if j != i and start < s and e <= end]
        for i, (start, end) in enumerate(spans)
    ]
    return [
        sum(spans[j][1] - spans[j][0] for j in mine if not any(j in inside[k] for k in mine))
        for mine in inside
    ]


def timings(reports: Path, run_id: str | None, started: float | None = None) -> dict:
    """The figures of run RUN_ID (every journal when None) under REPORTS. A gate that runs
    other gates (the rehearsal) is counted without them: they have figures of their own."""
    gates: dict[str, float] = {}
    tools: dict[str, float] = {}
    setup = 0.0
    found = _journals(reports, run_id)
    spans = [(_started(path), path.stat().st_mtime) for path, _ in found]
    for (_, journal), nested in zip(found, _nested(spans), strict=True):
        envs = {
            env: record
            for env, record in (journal.get("testenvs") or {}).items()
            if (record.get("result") or {}).get("duration") is not None
        }
        for env, record in envs.items():
            commands = sum(c.get("elapsed", 0.0) for c in record.get("test") or [])
            setup += max(0.0, record["result"]["duration"] - commands)
            own = max(0.0, commands - nested) if len(envs) == 1 else commands
            into = gates if env in registry.by_env() else tools
            into[env] = into.get(env, 0.0) + own
    first = min((s for s, _ in spans), default=None)
    last = max((e for _, e in spans), default=None)
    begin = started if started is not None else first
    return {
        "run_id": run_id,
        "gates": {k: round(v, 1) for k, v in sorted(gates.items(), key=lambda kv: -kv[1])},
        "tools": {k: round(v, 1) for k, v in sorted(tools.items(), key=lambda kv: -kv[1])},
        "setup_seconds": round(setup, 1),
        "total_seconds": round(time.time() - begin, 1)
        if started is not None
        else (round(last - begin, 1) if begin is not None else None),
    }


def started() -> float | None:
    """The epoch second the run began, when the command that runs it says (.ci/run does)."""
    value = os.environ.get("RUN_STARTED", "").strip()
    return float(value) if value else None


def section(figures: dict) -> list[str]:
    """The gate report's lines: the slowest gates, the set-up and the run's wall time."""
    if not figures["gates"]:
        return []
    lines = [
        "## Time to verdict",
        "",
        f"The slowest gates of this run ({len(figures['gates'])} timed; set-up of every env "
        f"{figures['setup_seconds']:.0f} s; the whole run "
        + (f"{figures['total_seconds']:.0f} s" if figures["total_seconds"] is not None else "?")
        + "; all figures in `timings.json`):",
        "",
        "| gate | seconds |",
        "|---|---|",
    ]
    slowest = list(figures["gates"].items())[:SLOWEST]
    return lines + [f"| {env} | {seconds:.0f} |" for env, seconds in slowest]
