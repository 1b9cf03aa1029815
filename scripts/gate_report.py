#!/usr/bin/env python3
"""Gate report: every report under reports/ in one Markdown summary for release managers.

    python3 toxw -e report                           # after .ci/run: the gates .ci/run runs
    python3 toxw -e report -- --expect lint,unit     # only these must have reports
    GATE_REPORT_EXPECT=lint,unit python3 toxw -e report

It reads JUnit XML (pass/fail/skip counts per gate), Cobertura coverage, the contract cases and
smoke checks, the HPA timeline (reports/hpa-timeline.json, with a link to its plot), the capacity
arithmetic (reports/capacity.json) and the image digest (reports/image-digest.txt or
reports/image.json), and writes reports/gate-report.md.

Exit status 1 when a gate that is expected has no report (a missing report is a failure, not a
pass), or when a gate's report shows a failure or no test at all; the summary is written anyway.
Which gates are expected: --expect, else GATE_REPORT_EXPECT, else `ci`. `ci` means every gate
that .ci/run runs; `default` means tox's default env_list; anything else is a comma-separated
list of gate names.

In Azure Pipelines (TF_BUILD set) it also prints `##vso[task.uploadsummary]` so the summary shows
on the run; the pipeline publishes the file as an artifact. --collect DIR first copies the
reports of earlier stages (pipeline artifacts named reports-*) under reports/<artifact>/.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The gates the team agreed on (CONVENTIONS.md); tox.ini adds any new one. `trivy` is the image
# scan of the pipeline's Build stage, which has no tox env.
AGREED_GATES = [
    "lint", "unit", "coverage", "contract", "smoke", "reliability", "image", "manifests",
    "hpa", "hpa-selftest", "capacity", "pipeline", "audit", "trivy",
]  # fmt: skip
NON_GATES = {"serve", "contract-regenerate", "report", "deploy"}
COVERAGE_MIN = 95.0


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


@dataclass
class Gate:
    name: str
    expected: bool
    junit: list[JUnit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed_reasons: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.failed_reasons:
            return "FAIL"
        if not self.junit:
            return "MISSING" if self.expected else "not run"
        return "pass"


# --- reading ---------------------------------------------------------------------------------


def tox_gates(tox_ini: Path) -> tuple[list[str], list[str]]:
    """(gate envs, default env_list) from tox.ini."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tox_ini)
    gates = []
    for section in parser.sections():
        if section.startswith("testenv:"):
            name = section.split(":", 1)[1]
            description = parser.get(section, "description", fallback="")
            commands = parser.get(section, "commands", fallback="")
            # A gate writes its verdict under reports/; a tool writes none or says so.
            if (
                name not in NON_GATES
                and "not a gate" not in description.lower()
                and "reports" in commands
            ):
                gates.append(name)
    env_list = parser.get("tox", "env_list", fallback="")
    return gates, [e.strip() for e in re.split(r"[,\s]+", env_list) if e.strip()]


def ci_gates(ci_run: Path, default: list[str]) -> list[str]:
    """The gates .ci/run runs: `python3 toxw` (the default env_list) and each `toxw -e ENV`."""
    text = ci_run.read_text() if ci_run.is_file() else ""
    gates: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        if re.search(r"\btoxw?\s*$", line) or re.search(r"\btoxw?\s+(--|$)", line):
            gates += default
        for match in re.finditer(r"\btoxw?\s+(?:\S+\s+)*?-e\s*([\w,.-]+)", line):
            gates += match.group(1).split(",")
    return [g for g in dict.fromkeys(gates) if g not in NON_GATES]


def gate_of(stem: str, known: list[str]) -> str:
    """unit-postgresql -> unit, coverage-tests -> coverage, hpa-selftest -> hpa-selftest."""
    matches = [g for g in known if stem == g or stem.startswith(g + "-")]
    return max(matches, key=len) if matches else stem


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
    """Time to scale and maximum replicas from reports/hpa-timeline.json (tests/hpa/report.py):
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


# --- collecting in the pipeline --------------------------------------------------------------


def collect(workspace: Path, reports: Path) -> list[str]:
    """Copy each downloaded reports-* artifact to reports/<artifact>/."""
    copied = []
    for artifact in sorted(workspace.glob("reports-*")):
        if artifact.is_dir() and artifact.resolve() != reports.resolve():
            shutil.copytree(artifact, reports / artifact.name, dirs_exist_ok=True)
            copied.append(artifact.name)
    return copied


# --- building the report ---------------------------------------------------------------------


# Linters whose JUnit lists findings only: an empty report there means a clean run, not a
# check that ran nothing (every other JUnit file must hold at least one test case).
FINDINGS_ONLY = {"lint-hadolint.xml"}


def build(reports: Path, expected: list[str], known: list[str]) -> tuple[str, dict[str, Gate]]:
    order = list(dict.fromkeys([*expected, *known]))
    gates = {name: Gate(name, name in expected) for name in order}
    coverage = None
    for path in sorted(reports.rglob("*.xml")):
        if "coverage-html" in path.parts:
            continue
        source = str(path.parent.relative_to(reports)) if path.parent != reports else "."
        if path.name == "coverage.xml" or (
            path.stem.startswith("coverage") and "tests" not in path.stem
        ):
            cov = read_coverage(path)
            if cov:
                coverage = {**cov, "path": path}
                continue
        junit = read_junit(path, source)
        if junit is None:
            continue
        gate = gates.setdefault(gate_of(path.stem, order), Gate(gate_of(path.stem, order), False))
        gate.junit.append(junit)

    for gate in gates.values():
        for junit in gate.junit:
            name = junit.path.relative_to(reports)
            if junit.tests == 0 and junit.path.name not in FINDINGS_ONLY:
                gate.failed_reasons.append(f"{name} ran no test")
            if junit.failures or junit.errors:
                gate.failed_reasons.append(
                    f"{name}: {junit.failures} failed, {junit.errors} errors"
                )
    if coverage is not None and "coverage" in gates:
        if coverage["percent"] < COVERAGE_MIN:
            gates["coverage"].failed_reasons.append(
                f"coverage {coverage['percent']:.1f}% is under {COVERAGE_MIN:.0f}%"
            )
    elif "coverage" in gates and gates["coverage"].expected:
        gates["coverage"].failed_reasons.append("no Cobertura reports/coverage.xml")

    lines = ["# Gate report", ""]
    failing = [g for g in gates.values() if g.status in {"FAIL", "MISSING"}]
    verdict = "every expected gate passed" if not failing else (
        "NOT READY: " + ", ".join(f"{g.name} {g.status}" for g in failing)
    )  # fmt: skip
    lines += [f"**{verdict}.**", ""]
    if os.environ.get("BUILD_BUILDNUMBER"):
        lines += [
            f"Run {os.environ['BUILD_BUILDNUMBER']}, commit "
            f"`{os.environ.get('BUILD_SOURCEVERSION', '?')}`.",
            "",
        ]
    lines += [f"Expected here: {', '.join(expected) or 'none'}.", ""]

    lines += ["## Gates", "", "| gate | result | passed | failed | errors | skipped | reports |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for gate in gates.values():
        totals = [sum(getattr(j, k) for j in gate.junit) for k in ("failures", "errors", "skipped")]
        passed = sum(j.passed for j in gate.junit)
        files = ", ".join(f"`{j.path.relative_to(reports)}`" for j in gate.junit) or "none"
        shown = {"pass": "pass", "FAIL": "**FAIL**", "MISSING": "**MISSING**"}.get(
            gate.status, "not run here"
        )
        if gate.junit:
            lines.append(
                f"| {gate.name} | {shown} | {passed} | {' | '.join(map(str, totals))} | {files} |"
            )
        else:
            lines.append(f"| {gate.name} | {shown} | | | | | {files} |")
    reasons = [f"- {g.name}: {r}" for g in gates.values() for r in g.failed_reasons]
    reasons += [
        f"- {g.name}: expected, but no report under reports/" for g in gates.values()
        if g.status == "MISSING"
    ]  # fmt: skip
    if reasons:
        lines += ["", "Why:", "", *reasons]

    lines += ["", "## Coverage", ""]
    if coverage:
        lines.append(
            f"{coverage['percent']:.1f}% (lines {coverage['lines']}, branches "
            f"{coverage['branches']}; the gate needs {COVERAGE_MIN:.0f}%), from "
            f"`{coverage['path'].relative_to(reports)}`."
        )
    else:
        lines.append("No Cobertura report.")

    lines += ["", "## Contract", ""]
    contract = gates.get("contract")
    if contract and contract.junit:
        for junit in contract.junit:
            lines.append(
                f"- `{junit.path.relative_to(reports)}`: {junit.tests} "
                f"case{'s' if junit.tests != 1 else ''} run, "
                f"{junit.passed} passed, {junit.failures + junit.errors} failed"
            )
    else:
        lines.append("No contract report.")
    for path in sorted(reports.rglob("contract-stats.json")):
        try:
            stats = json.loads(path.read_text())
        except ValueError:
            continue
        for mode, figures in stats.items() if isinstance(stats, dict) else []:
            if isinstance(figures, dict) and "requests" in figures:
                lines.append(
                    f"- {mode}: {figures['requests']} generated requests checked against the "
                    f"contract in {figures.get('seconds', '?')} s "
                    f"(`{path.relative_to(reports)}`)"
                )

    lines += ["", "## Smoke checks", ""]
    smoke = gates.get("smoke")
    if smoke and smoke.junit:
        for junit in smoke.junit:
            lines += [f"`{junit.path.relative_to(reports)}`:", ""]
            lines += [f"- {outcome}: {name}" for name, outcome in junit.cases]
            lines.append("")
    else:
        lines.append("No smoke report.")

    lines += ["", "## HPA", ""]
    timelines = sorted(reports.rglob("hpa-timeline.json"))
    if timelines:
        for path in timelines:
            try:
                hpa = hpa_summary(json.loads(path.read_text()))
            except ValueError as exc:
                lines.append(f"`{path.relative_to(reports)}` is not JSON: {exc}")
                continue
            seconds = hpa["time_to_scale_s"]
            verdict = {True: "passed", False: "FAILED", None: "no verdict"}[hpa["passed"]]
            lines.append(
                f"- `{path.relative_to(reports)}`: {verdict}; time to scale to "
                f"{hpa['expect_replicas']} ready replicas: "
                + (f"{seconds} s" if seconds is not None else "not reached")
                + f"; maximum ready replicas: {hpa['max_ready_replicas']}"
                + (
                    f" (HPA {hpa['min_replicas']} to {hpa['max_replicas']})"
                    if hpa["max_replicas"] is not None
                    else ""
                )
                + f"; {hpa['samples']} samples"
            )
            lines += [
                f"  - {'pass' if ok else 'FAIL'} {name}: {message}"
                for name, ok, message in hpa["checks"]
            ]
            plot = path.with_suffix(".png")
            if plot.is_file():
                lines.append(f"- plot: [{plot.name}]({plot.relative_to(reports)})")
            else:
                lines.append(f"- no plot next to it ({plot.name})")
    else:
        lines.append("No HPA timeline (reports/hpa-timeline.json): the live check needs a cluster.")
    selftest = sorted(reports.rglob("hpa-selftest*.png"))
    if selftest:
        links = ", ".join(f"[{p.stem}]({p.relative_to(reports)})" for p in selftest)
        lines.append(f"- plots of the checker's self-test against the fake API server: {links}")

    lines += ["", "## Capacity", ""]
    capacities = sorted(reports.rglob("capacity.json"))
    for path in capacities:
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            lines.append(f"`{path.relative_to(reports)}` is not JSON: {exc}")
            continue
        arithmetic = data.get("arithmetic") if isinstance(data, dict) else None
        if isinstance(arithmetic, list):
            arithmetic = "\n".join(map(str, arithmetic))
        if arithmetic:
            lines += ["```", str(arithmetic).rstrip(), "```"]
        if isinstance(data, dict):
            scalars = {k: v for k, v in data.items() if isinstance(v, str | int | float | bool)}
            if scalars:
                lines += ["", "| figure | value |", "|---|---|"]
                lines += [f"| {k} | {v} |" for k, v in scalars.items() if k != "arithmetic"]
        lines.append(f"\nFrom `{path.relative_to(reports)}`.")
    if not capacities:
        lines.append("No capacity report (reports/capacity.json).")

    lines += ["", "## Image", ""]
    digest = read_digest(reports)
    lines.append(f"`{digest}`" if digest else "No image digest (reports/image-digest.txt).")
    if not digest:
        lines += local_image_lines(reports)
    lines.append("")
    return "\n".join(lines), gates


def local_image_lines(reports: Path) -> list[str]:
    """Without a pushed digest (no registry, e.g. in .ci/run): the image the image gate built."""
    path = reports / "image-figures.json"
    try:
        build = json.loads(path.read_text())["build"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [
        f"Built locally by the image gate, not pushed: image id `sha256:{build['id']}`, "
        f"{build['size_mb']} MB, revision `{build['revision']}` (`{path.relative_to(reports)}`)."
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=Path, default=ROOT / "reports")
    parser.add_argument("--output", type=Path, help="default: REPORTS/gate-report.md")
    parser.add_argument("--expect", default=os.environ.get("GATE_REPORT_EXPECT") or "ci")
    parser.add_argument("--collect", type=Path, help="copy REPORTS-* artifacts from this folder")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository with tox.ini, .ci/run")
    args = parser.parse_args(argv)

    reports: Path = args.reports
    reports.mkdir(parents=True, exist_ok=True)
    if args.collect:
        copied = collect(args.collect, reports)
        print(f"gate report: collected {', '.join(copied) or 'no reports-* artifact'}")
    tox_list, default = tox_gates(args.root / "tox.ini")
    known = list(dict.fromkeys([*tox_list, *AGREED_GATES]))
    if args.expect == "ci":
        expected = ci_gates(args.root / ".ci" / "run", default)
    elif args.expect == "default":
        expected = default
    else:
        expected = [g.strip() for g in args.expect.split(",") if g.strip()]

    text, gates = build(reports, expected, known)
    output = args.output or reports / "gate-report.md"
    output.write_text(text)
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
