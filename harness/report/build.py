"""The gate report: every report under reports/ read into one verdict per gate of the registry."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harness import gates as registry
from harness.common.reports import FINDINGS_ONLY, JUnit, ReportFiles, read_coverage, read_junit
from harness.report import sections


@dataclass
class Coverage:
    path: Path
    package: str
    percent: float
    lines: str
    branches: str

    @property
    def minimum(self) -> float:
        return registry.COVERAGE_MINIMUMS[self.package]

    @property
    def enforced(self) -> bool:
        """webapp/'s threshold holds for every run; harness/'s only over all of .ci/run."""
        return self.package == "webapp"

    @property
    def rule(self) -> str:
        if self.enforced:
            return f"the gate needs {self.minimum:.0f}%"
        return f"the coverage gate needs {self.minimum:.0f}% over every gate of .ci/run"


@dataclass
class Gate:
    name: str
    expected: bool
    junit: list[JUnit] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    failed_reasons: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.failed_reasons:
            return "FAIL"
        if not self.junit and not self.coverage:
            return "MISSING" if self.expected else "not run"
        return "pass"


def expected_gates(expect: str) -> list[str]:
    """`ci`: what .ci/run runs; `default`: `python3 toxw`; `pipeline`: every gate; or a list."""
    if expect == "ci":
        ran = [*registry.default_envs(), *registry.ci_envs()]
        return list(dict.fromkeys(registry.gate_of(env) for env in ran))
    if expect == "default":
        return registry.default_envs()
    if expect == "pipeline":  # every gate a pipeline stage runs
        return [g.name for g in registry.GATES if g.stages]
    return [name.strip() for name in expect.split(",") if name.strip()]


def read_reports(reports: ReportFiles, expected: list[str]) -> dict[str, Gate]:
    order = list(dict.fromkeys([*expected, *registry.BY_NAME]))
    gates = {name: Gate(name, name in expected) for name in order}
    for path in reports.rglob("*.xml"):
        if "coverage-html" in path.parts:
            continue
        figures = read_coverage(path) if path.stem.startswith("coverage") else None
        if figures is not None:
            package = "harness" if "harness" in path.stem else "webapp"
            gates["coverage"].coverage.append(Coverage(path, package, **figures))
            continue
        source = str(reports.rel(path.parent)) if path.parent != reports.root else "."
        junit = read_junit(path, source)
        if junit is not None:
            name = registry.gate_of(path.stem)
            gates.setdefault(name, Gate(name, False)).junit.append(junit)
    return gates


def judge(reports: ReportFiles, gates: dict[str, Gate]) -> None:
    """Why each gate failed, in words; a gate that never ran is MISSING, not failed."""
    for gate in gates.values():
        for junit in gate.junit:
            name = reports.rel(junit.path)
            if junit.tests == 0 and junit.path.name not in FINDINGS_ONLY:
                gate.failed_reasons.append(f"{name} ran no test")
            if junit.failures or junit.errors:
                gate.failed_reasons.append(
                    f"{name}: {junit.failures} failed, {junit.errors} errors"
                )
        for item in gate.coverage:
            if item.enforced and item.percent < item.minimum:
                gate.failed_reasons.append(
                    f"{item.package}/ coverage {item.percent:.1f}% is under {item.minimum:.0f}%"
                )


def run_lines(reports: ReportFiles) -> list[str]:
    """Which run this report judges, and every file of another run it passed over."""
    if reports.run_id is None:
        return ["No run is recorded under reports/ (reports/.run/): the files are judged as found."]
    first = min(reports.records, key=lambda r: r["started_ts"])
    commits = sorted({r.get("commit", "?") for r in reports.records})
    lines = [
        f"Run `{reports.run_id}`, commit `{', '.join(commits)}`, started {first.get('started')}, "
        f"gates run: {', '.join(sorted(r['env'] for r in reports.records))}."
    ]
    if reports.stale:
        lines += ["", "Stale reports ignored (another run wrote them):", ""]
        lines += [f"- `{reports.rel(p)}`: {why}" for p, why in sorted(reports.stale.items())]
    return lines


def header(gates: dict[str, Gate], expected: list[str]) -> list[str]:
    failing = [g for g in gates.values() if g.status in {"FAIL", "MISSING"}]
    verdict = (
        "NOT READY: " + ", ".join(f"{g.name} {g.status}" for g in failing)
        if failing
        else "every expected gate passed"
    )
    lines = ["# Gate report", "", f"**{verdict}.**", ""]
    if os.environ.get("BUILD_BUILDNUMBER"):
        lines += [
            f"Run {os.environ['BUILD_BUILDNUMBER']}, commit "
            f"`{os.environ.get('BUILD_SOURCEVERSION', '?')}`.",
            "",
        ]
    return [*lines, f"Expected here: {', '.join(expected) or 'none'}.", ""]


def build(
    folder: Path, expected: list[str], run_id: str | None = None
) -> tuple[str, dict[str, Gate]]:
    reports = ReportFiles(folder, run_id)
    gates = read_reports(reports, expected)
    judge(reports, gates)
    body = [line for section in sections.ALL for line in (*section(reports, gates), "")]
    lines = [*header(gates, expected), *run_lines(reports), "", *body]
    return "\n".join(lines), gates
