"""Reading the reports the gates write: JUnit XML, Cobertura, the HPA timeline, the image."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from harness.common.runs import STAMPS, read_stamps

# Linters whose JUnit lists findings only: an empty report there means a clean run, not a
# check that ran nothing (every other JUnit file must hold at least one test case).
FINDINGS_ONLY = {"lint-hadolint.xml"}


@dataclass
class JUnit:
    path: Path
    source: str
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    cases: list[tuple[str, str]] = field(default_factory=list)  # (name, outcome)

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped


def read_junit(path: Path, source: str) -> JUnit | None:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return None
    if root.tag not in {"testsuites", "testsuite"}:
        return None
    result = JUnit(path=path, source=source)
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        if case.get("classname"):
            name = f"{case.get('classname')}::{name}"
        if case.find("failure") is not None:
            outcome, result.failures = "failed", result.failures + 1
        elif case.find("error") is not None:
            outcome, result.errors = "error", result.errors + 1
        elif case.find("skipped") is not None:
            outcome, result.skipped = "skipped", result.skipped + 1
        else:
            outcome = "passed"
        result.tests += 1
        result.cases.append((name, outcome))
    if result.tests == 0:  # a suite that only reports counts (no testcase elements)
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        for suite in suites:
            result.tests += int(suite.get("tests", 0))
            result.failures += int(suite.get("failures", 0))
            result.errors += int(suite.get("errors", 0))
            result.skipped += int(suite.get("skipped", 0))
    return result


def read_coverage(path: Path) -> dict | None:
    root = ET.parse(path).getroot()
    if root.tag != "coverage":
        return None
    lines_valid = int(root.get("lines-valid", 0))
    lines_covered = int(root.get("lines-covered", 0))
    branches_valid = int(root.get("branches-valid", 0))
    branches_covered = int(root.get("branches-covered", 0))
    total = lines_valid + branches_valid
    percent = 100.0 * (lines_covered + branches_covered) / total if total else 0.0
    return {
        "percent": percent,
        "lines": f"{lines_covered}/{lines_valid}",
        "branches": f"{branches_covered}/{branches_valid}",
    }


def _first(data: dict, *keys):
    for key in keys:
        if key in data and data[key] is not None:
            return data[key]
    return None


def hpa_summary(data) -> dict:
    """Time to scale and maximum replicas from reports/hpa-timeline.json (harness/hpa/report.py):
    `hpa` holds min/max/expected replicas, `samples` the timeline, with `t` in seconds from the
    start of the load, `phase` and `ready_replicas`; `checks` the verdict, check by check."""
    data = data if isinstance(data, dict) else {"samples": data}
    hpa = data.get("hpa") or {}
    samples = [s for s in data.get("samples") or [] if isinstance(s, dict)]
    under_load = [s for s in samples if s.get("phase", "load") == "load"]
    ready = [s.get("ready_replicas") for s in samples if s.get("ready_replicas") is not None]
    start = [s.get("ready_replicas") for s in under_load[:1]] or ready[:1]
    expect = hpa.get("expect_replicas")
    if expect is None and start and ready and max(ready) > start[0]:
        expect = max(ready)  # no expectation recorded: time to reach the peak
    reached = next(
        (s for s in under_load if expect is not None and (s.get("ready_replicas") or 0) >= expect),
        None,
    )
    return {
        "time_to_scale_s": round(reached["t"], 1) if reached else None,
        "expect_replicas": expect,
        "max_ready_replicas": max(ready) if ready else None,
        "min_replicas": hpa.get("min_replicas"),
        "max_replicas": hpa.get("max_replicas"),
        "passed": data.get("passed"),
        "checks": [
            (c.get("name", "?"), bool(c.get("passed")), c.get("message", ""))
            for c in data.get("checks") or []
            if isinstance(c, dict)
        ],
        "samples": len(samples),
    }


def read_digest(reports: Path) -> str | None:
    for path in sorted(reports.rglob("image-digest.txt")):
        text = path.read_text().strip()
        if text:
            return text.splitlines()[0]
    for path in sorted(reports.rglob("image.json")):
        try:
            data = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(data, dict):
            digest = _first(data, "digest", "image_digest", "repo_digest", "id", "image_id")
            if digest:
                name = _first(data, "image", "name", "tag")
                return f"{name} ({digest})" if name and name not in str(digest) else str(digest)
    return None


ARTIFACT_IGNORE = ".artifactignore"


def collect(workspace: Path, reports: Path) -> list[str]:
    """Copy each downloaded reports-* artifact to reports/<artifact>/, and name it in
    reports/.artifactignore: the job that collected it publishes its own reports, not copies of
    other jobs' artifacts (each republished copy would nest inside the next)."""
    copied = []
    for artifact in sorted(workspace.glob("reports-*")):
        if artifact.is_dir() and artifact.resolve() != reports.resolve():
            shutil.copytree(artifact, reports / artifact.name, dirs_exist_ok=True)
            copied.append(artifact.name)
    if copied:
        ignore = reports / ARTIFACT_IGNORE
        known = ignore.read_text().splitlines() if ignore.exists() else []
        wanted = [f"/{name}/" for name in copied if f"/{name}/" not in known]
        ignore.write_text("".join(f"{line}\n" for line in known + wanted))
    return copied


class ReportFiles:
    """The report files of one run under a reports folder (and the artifacts collected into its
    subfolders): files an earlier run left behind are passed over, and remembered as stale."""

    def __init__(self, root: Path, run_id: str | None = None):
        self.root = root
        self.stamps = {
            folder: read_stamps(folder)
            for folder in [root, *(p.parent for p in root.rglob(STAMPS))]
            if (folder / STAMPS).is_dir()
        }
        records = [r for found in self.stamps.values() for r in found.values()]
        newest = max(records, key=lambda r: r["started_ts"], default=None)
        self.run_id = run_id or (newest["run_id"] if newest else None)
        self.records = [r for r in records if r["run_id"] == self.run_id]
        self.stale: dict[Path, str] = {}

    def rel(self, path: Path) -> Path:
        return path.relative_to(self.root)

    def __truediv__(self, name: str) -> Path:
        return self.root / name

    def _folder(self, path: Path) -> Path | None:
        for folder in path.parents:
            if folder in self.stamps:
                return folder
            if folder == self.root:
                return None
        return None

    def is_current(self, path: Path) -> bool:
        """Written by a gate of this run: that gate ran in this run (its env's record is this
        run's) and the file is not older than the gate's start. A gate the pipeline runs without
        tox (trivy) records nothing: its file must only be newer than this run's first gate."""
        from harness.gates import BY_NAME, gate_of

        folder = self._folder(path)
        if folder is None:
            return True  # no run recorded here (reports of a tool, or written by hand)
        gate = gate_of(path.stem.split(".")[0])
        mine = [r for r in self.stamps[folder].values() if r["run_id"] == self.run_id]
        if gate in BY_NAME and BY_NAME[gate].tox:
            mine = [r for r in mine if gate_of(r["env"]) == gate]
        # a second of slack for filesystems that keep whole seconds
        if mine and path.stat().st_mtime >= min(r["started_ts"] for r in mine) - 1:
            return True
        self.stale[path] = self._written_by(folder, path)
        return False

    def _written_by(self, folder: Path, path: Path) -> str:
        from harness.gates import gate_of

        gate = gate_of(path.stem.split(".")[0])
        written = path.stat().st_mtime
        candidates = [
            r
            for current in self.stamps[folder].values()
            for r in (current, *current.get("earlier", []))
            if r["run_id"] != self.run_id
            and gate_of(r["env"]) == gate
            and r["started_ts"] <= written + 1
        ]
        if candidates:
            record = max(candidates, key=lambda r: r["started_ts"])
            return f"run {record['run_id']} ({record['env']}, started {record.get('started')})"
        return "an earlier run (written before this run's gates started)"

    def rglob(self, pattern: str):
        for path in sorted(self.root.rglob(pattern)):
            if STAMPS not in path.parts and self.is_current(path):
                yield path

    def file(self, name: str) -> Path | None:
        path = self.root / name
        return path if path.is_file() and self.is_current(path) else None
