"""One run in reports/: every gate env records which run it belongs to, so the gate report can
judge one run and name every file an earlier run left behind.

    python -m harness.common.runs start ENV   # tox runs it before each gate env (commands_pre)
    python -m harness.common.runs passed ENV  # exit 0 when ENV already passed in this run

A run is one `python3 toxw ...` command (toxw sets GATE_RUN_ID for it, unless it is already set:
.ci/run sets one for all its gates, the pipeline the build id). Each gate env writes
reports/.run/ENV.json with the run's id, the commit and the time it started; every report file
of that env written after that time belongs to that run. Only the standard library.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sys
import time
from pathlib import Path

from harness.common import git
from harness.common.paths import REPORTS

STAMPS = ".run"
HISTORY = 5  # earlier runs remembered per env


def new_run_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"


def commit() -> str:
    """The commit checked out, with "-dirty" when tracked files have uncommitted changes."""
    found = git.run("rev-parse", "HEAD")
    if found.returncode != 0:
        return os.environ.get("BUILD_SOURCEVERSION", "unknown")
    dirty = git.output("status", "--porcelain", "--untracked-files=no")
    return found.stdout.strip() + ("-dirty" if dirty else "")


def stamp(env: str, reports: Path = REPORTS) -> dict:
    """Record that ENV starts now, in this run; its earlier reports become another run's."""
    now = time.time()
    record = {
        "run_id": os.environ.get("GATE_RUN_ID") or new_run_id(),
        "env": env,
        "commit": commit(),
        "started": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        "started_ts": now,
    }
    folder = reports / STAMPS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{env}.json"
    # The runs before, newest first, so a file one of them left can be named by its run.
    earlier = read_record(path)
    if earlier:
        record["earlier"] = [
            {k: v for k, v in earlier.items() if k != "earlier"},
            *earlier.get("earlier", []),
        ][:HISTORY]
    path.write_text(json.dumps(record, indent=2) + "\n")
    return record


def read_record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    valid = isinstance(record, dict) and {"run_id", "env", "started_ts"} <= set(record)
    return record if valid else None


def read_stamps(folder: Path) -> dict[str, dict]:
    """env -> its record, for the reports folder FOLDER (not its subfolders)."""
    found = {}
    for path in sorted((folder / STAMPS).glob("*.json")):
        record = read_record(path)
        if record:
            found[record["env"]] = record
    return found


def _junit_passed(path: Path, since: float) -> bool:
    """PATH was written since SINCE and is a JUnit file with tests and no failure or error."""
    import xml.etree.ElementTree as ET

    try:
        if path.stat().st_mtime < since:
            return False
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return False
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests, bad = (
        sum(int(s.get(k, 0) or 0) for s in suites for k in keys)
        for keys in (("tests",), ("failures", "errors"))
    )
    return bool(suites) and tests > 0 and bad == 0


def passed_in_run(env: str, run_id: str | None, reports: Path = REPORTS) -> bool:
    """ENV ran in run RUN_ID (its record says so) and every JUnit file it writes passed since."""
    from harness import gates

    record = read_record(reports / STAMPS / f"{env}.json")
    if not run_id or not record or record["run_id"] != run_id or env not in gates.by_env():
        return False
    gate, variant = gates.by_env()[env]
    files = [f"{env}.xml"] if variant else list(gate.junit_files)
    return bool(files) and all(_junit_passed(reports / f, record["started_ts"]) for f in files)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "passed":
        ran = passed_in_run(argv[1], os.environ.get("GATE_RUN_ID"))
        print(f"{argv[1]}: {'passed earlier in this run' if ran else 'not passed in this run'}")
        return 0 if ran else 1
    if len(argv) != 2 or argv[0] != "start":
        print("usage: python -m harness.common.runs start|passed ENV", file=sys.stderr)
        return 2
    from harness import gates

    REPORTS.mkdir(parents=True, exist_ok=True)
    if argv[1] in gates.by_env():  # tools record nothing
        record = stamp(argv[1], REPORTS)
        print(f"run {record['run_id']} (commit {record['commit'][:12]}): {argv[1]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
