"""What a rehearsal writes: reports/rehearsal.json (every step of every trigger), the Markdown
summary reports/rehearsal.md (the steps run, then the "not rehearsed" table with reasons), and
reports/rehearse-pipeline.xml (JUnit: one test case per step run, one suite per trigger)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.rehearse.runner import Result

RAN = ("succeeded", "failed", "reused", "skipped")


def verdict(results: list[Result]) -> str:
    failed = [r for r in results if r.status == "failed"]
    if failed:
        first = failed[0]
        return f"FAILED at {first.where} ({first.name}): {first.detail}"
    return "passed: every step rehearsed, skipped by its condition, or listed with its reason"


def _cell(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return text.replace("|", "\\|")


def markdown(runs: dict[str, dict]) -> str:
    lines = ["# Pipeline rehearsal", ""]
    for trigger, run in runs.items():
        results = run["results"]
        lines += [f"## {run['title']}", "", f"**{verdict(results)}**", ""]
        lines += [f"Commit `{run['commit'][:12]}`, {run['seconds']:.0f}s; {run['where']}.", ""]
        lines += ["| step | name | command | status | exit | seconds | detail |"]
        lines += ["|---|---|---|---|---|---|---|"]
        for r in results:
            if r.status in RAN:
                exit_code = "" if r.exit_code is None else r.exit_code
                lines.append(
                    f"| {r.where} | {_cell(r.name, 70)} | `{_cell(r.command, 90)}` | {r.status} "
                    f"| {exit_code} | {r.seconds:.1f} | {_cell(r.detail)} |"
                )
        lines += ["", f"### Not rehearsed ({trigger})", "", "| step | name | reason |"]
        lines += ["|---|---|---|"]
        for r in results:
            if r.status in {"not rehearsed", "not reached"}:
                reason = r.detail if r.status == "not rehearsed" else f"not reached: {r.detail}"
                lines.append(f"| {r.where} | {_cell(r.name, 70)} | {_cell(reason)} |")
        lines.append("")
    return "\n".join(lines)


def junit(runs: dict[str, dict]) -> ET.ElementTree:
    root = ET.Element("testsuites", name="rehearse-pipeline")
    for trigger, run in runs.items():
        ran = [r for r in run["results"] if r.status in RAN]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"rehearse-pipeline.{trigger}",
            tests=str(len(ran)),
            failures=str(sum(r.status == "failed" for r in ran)),
            errors="0",
            skipped="0",
        )
        for r in ran:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{trigger}.{r.stage}.{r.job}",
                name=f"{r.number:02d} {r.name}",
                time=f"{r.seconds:.3f}",
            )
            if r.status == "failed":
                failure = ET.SubElement(case, "failure", message=r.detail[:500])
                failure.text = "\n".join(r.output)
            else:
                ET.SubElement(case, "system-out").text = f"{r.status}: {r.detail}"
    return ET.ElementTree(root)


def write(reports: Path, runs: dict[str, dict]) -> None:
    reports.mkdir(parents=True, exist_ok=True)
    data = {
        trigger: {
            **{k: v for k, v in run.items() if k != "results"},
            "verdict": verdict(run["results"]),
            "steps": [r.as_dict() for r in run["results"]],
        }
        for trigger, run in runs.items()
    }
    (reports / "rehearsal.json").write_text(json.dumps(data, indent=2) + "\n")
    (reports / "rehearsal.md").write_text(markdown(runs))
    junit(runs).write(reports / "rehearse-pipeline.xml", encoding="unicode", xml_declaration=True)
