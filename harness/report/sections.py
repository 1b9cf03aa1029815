"""The gate report's sections, one function each: (reports folder, gates) -> Markdown lines."""

from __future__ import annotations

import datetime as dt
import json

from harness.common.reports import ReportFiles, hpa_summary, read_digest
from harness.evidence.table import evidence_table, summary
from harness.report import timings

SHOWN = {"pass": "pass", "FAIL": "**FAIL**", "MISSING": "**MISSING**"}


def gates_table(reports: ReportFiles, gates: dict) -> list[str]:
    lines = ["## Gates", "", "| gate | result | passed | failed | errors | skipped | reports |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for gate in gates.values():
        files = [*gate.junit, *gate.coverage]
        shown = SHOWN.get(gate.status, "not run here")
        listed = ", ".join(f"`{reports.rel(item.path)}`" for item in files) or "none"
        if gate.junit:
            totals = [sum(getattr(j, k) for j in gate.junit) for k in ("failures", "errors")]
            skipped = sum(j.skipped for j in gate.junit)
            passed = sum(j.passed for j in gate.junit)
            lines.append(
                f"| {gate.name} | {shown} | {passed} | {totals[0]} | {totals[1]} | {skipped} | "
                f"{listed} |"
            )
        else:
            lines.append(f"| {gate.name} | {shown} | | | | | {listed} |")
    reasons = [f"- {g.name}: {r}" for g in gates.values() for r in g.failed_reasons]
    reasons += [
        f"- {g.name}: expected, but it never ran (no report under reports/)"
        for g in gates.values()
        if g.status == "MISSING"
    ]
    return lines + (["", "Why:", "", *reasons] if reasons else [])


def coverage(reports: ReportFiles, gates: dict) -> list[str]:
    lines = ["## Coverage", ""]
    found = gates["coverage"].coverage if "coverage" in gates else []
    for item in found:
        lines.append(
            f"- {item.package}/: {item.percent:.1f}% (lines {item.lines}, branches "
            f"{item.branches}; {item.rule}), from `{reports.rel(item.path)}`."
        )
    return lines if found else [*lines, "No Cobertura report."]


def contract(reports: ReportFiles, gates: dict) -> list[str]:
    lines = ["## Contract", ""]
    gate = gates.get("contract")
    for junit in gate.junit if gate else []:
        lines.append(
            f"- `{reports.rel(junit.path)}`: {junit.tests} "
            f"case{'s' if junit.tests != 1 else ''} run, "
            f"{junit.passed} passed, {junit.failures + junit.errors} failed"
        )
    if not (gate and gate.junit):
        lines.append("No contract report.")
    for path in list(reports.rglob("contract-stats.json")):
        try:
            stats = json.loads(path.read_text())
        except ValueError:
            continue
        for mode, figures in stats.items() if isinstance(stats, dict) else []:
            if isinstance(figures, dict) and "requests" in figures:
                lines.append(
                    f"- {mode}: {figures['requests']} generated requests checked against the "
                    f"contract in {figures.get('seconds', '?')} s "
                    f"(`{reports.rel(path)}`)"
                )
    return lines


def _latest_json(reports: ReportFiles, name: str):
    """The newest NAME of this run under reports (collected artifacts included), and its object
    ({} when there is none or it is not a JSON object)."""
    found = sorted(reports.rglob(name), key=lambda p: p.stat().st_mtime)
    try:
        data = json.loads(found[-1].read_text()) if found else {}
    except ValueError:
        data = {}
    return (found[-1] if found else None), (data if isinstance(data, dict) else {})


def contract_coverage(reports: ReportFiles, gates: dict) -> list[str]:
    """The coverage matrix in a few lines, and every finding that blocks the release."""
    lines = ["## Contract coverage", ""]
    found, data = _latest_json(reports, "contract-coverage.json")
    if "summary" not in data:
        return [*lines, "No contract-coverage report."]
    s = data["summary"]
    lines += [
        f"From `{reports.rel(found)}`, over {data.get('exchanges', '?')} exchanges recorded "
        f"by {', '.join(data.get('gates', [])) or 'no gate'}:",
        "",
        f"- documented responses demonstrated: {s['demonstrated']} of {s['documented']}",
        f"- request-body constraints demonstrated: {s['constraints_demonstrated']} of "
        f"{s['constraints']}",
        f"- responses the contract does not document: {s['undeclared']}; breaking their "
        f"schema: {s.get('invalid', 0)}; constraints not enforced: {s.get('unenforced', 0)}",
        "- against main: "
        + ("no baseline" if s.get("lost") is None else f"{s['lost']} row(s) lost"),
    ]
    lines += [f"- **{failure}**" for failure in data.get("failures", [])[:20]]
    return lines


# Changes of the changelog shown one by one; the others are counted (the file has them all).
SHOWN_SEVERITIES = ("breaking", "deprecation")
CHANGES_SHOWN = 30


def _changelog_lines(reports: ReportFiles, path, data: dict) -> list[str]:
    md = path.with_suffix(".md")
    link = f", [{md.name}]({reports.rel(md)})" if md.is_file() else ""
    lines = [
        f"**{data.get('title', 'Contract changelog')}**: from `{data.get('base')}` to "
        f"`{data.get('head')}` (`{reports.rel(path)}`{link}).",
        "",
    ]
    if data.get("base_error"):
        return [*lines, f"- **nothing compared, the base could not be read**: {data['base_error']}"]
    counts = data.get("summary") or {}
    rows = [
        (group.get("endpoint") or "the document", row)
        for group in data.get("endpoints") or []
        for row in group.get("changes") or []
    ]
    if not rows:
        return [*lines, "- no difference: consumers see the same contract"]
    lines.append(
        "- "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("breaking", "deprecation"))
        + f" ({counts.get('waived', 0)} waived, {counts.get('blocking', 0)} blocking), "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("non-breaking", "annotation"))
    )
    shown = [(e, r) for e, r in rows if r.get("severity") in SHOWN_SEVERITIES]
    for endpoint, row in shown[:CHANGES_SHOWN]:
        waiver = row.get("waiver")
        waived = f" (waived until {waiver['expires']}: {waiver['entry']})" if waiver else ""
        lines.append(
            f"- **{row.get('severity')}** `{row.get('rule')}` {endpoint}: {row.get('text')}{waived}"
        )
    if len(shown) > CHANGES_SHOWN:
        lines.append(f"- ... and {len(shown) - CHANGES_SHOWN} more in the file")
    lines += [f"- **waiver: {problem}**" for problem in data.get("waiver_problems") or []]
    return lines


def contract_changelog(reports: ReportFiles, gates: dict) -> list[str]:
    """What changes for consumers: each changelog of this run (against prd in Verify dev, against
    the base branch from the contract gate), newest first."""
    lines = ["## Contract changes for consumers", ""]
    found = sorted(reports.rglob("contract-changelog.json"), key=lambda p: -p.stat().st_mtime)
    for path in found:
        try:
            data = json.loads(path.read_text())
        except ValueError:
            data = None
        if isinstance(data, dict):
            lines += [*_changelog_lines(reports, path, data), ""]
        else:
            lines += [f"`{reports.rel(path)}` is not a changelog (not a JSON object).", ""]
    if not found:
        lines.append(
            "No contract changelog (reports/contract-changelog.json: the contract gate writes it "
            "against the base branch, Verify dev against what prd serves)."
        )
    return lines


def waivers(reports: ReportFiles, gates: dict) -> list[str]:
    """Every active waiver of the three waiver files, with the days it has left."""
    lines = ["## Waivers", ""]
    found, data = _latest_json(reports, "harness-waivers.json")
    if not isinstance(data.get("waivers"), list):
        return [*lines, "No waivers report (reports/harness-waivers.json, the harness gate's)."]
    today = dt.datetime.now(dt.UTC).date()
    rows = []
    for row in data["waivers"]:
        try:
            left = (dt.date.fromisoformat(str(row["expires"])) - today).days
        except (KeyError, ValueError):
            left = row.get("days_left", "?")
        rows.append(
            f"| {row.get('kind', '?')} | {row.get('entry', '?')} | {row.get('reason', '')} | "
            f"{row.get('approved_by') or '-'} | {row.get('expires', '?')} | {left} |"
        )
    files = "security/pip-audit-ignore.yaml, security/trivyignore.yaml and contract/waivers.yaml"
    if rows:
        lines += [f"From `{reports.rel(found)}`:", ""]
        lines += ["| waives | entry | reason | approved by | expires | days left |"]
        lines += ["|---|---|---|---|---|---|", *rows]
    else:
        lines.append(f"No active waiver in {files} (`{reports.rel(found)}`).")
    lines += [f"- **{problem}**" for problem in data.get("problems") or []]
    return lines


def evidence(reports: ReportFiles, gates: dict) -> list[str]:
    """What a deployment of the image digest would be told: its signed evidence, verified
    against the release policy (python3 toxw -e deploy -- verify; docs/evidence.md)."""
    lines = ["## Release evidence", ""]
    found, data = _latest_json(reports, "evidence-verify.json")
    if "rows" not in data:
        return [*lines, "No verification of the image's evidence in this run."]
    return [*lines, f"From `{reports.rel(found)}`: {summary(data)}", "", *evidence_table(data)]


def smoke(reports: ReportFiles, gates: dict) -> list[str]:
    lines = ["## Smoke checks", ""]
    gate = gates.get("smoke")
    if not (gate and gate.junit):
        return [*lines, "No smoke report."]
    for junit in gate.junit:
        lines += [f"`{reports.rel(junit.path)}`:", ""]
        lines += [f"- {outcome}: {name}" for name, outcome in junit.cases]
        lines.append("")
    return lines


def _hpa_timeline(reports: ReportFiles, path) -> list[str]:
    try:
        hpa = hpa_summary(json.loads(path.read_text()))
    except ValueError as exc:
        return [f"`{reports.rel(path)}` is not JSON: {exc}"]
    seconds = hpa["time_to_scale_s"]
    verdict = {True: "passed", False: "FAILED", None: "no verdict"}[hpa["passed"]]
    bounds = (
        f" (HPA {hpa['min_replicas']} to {hpa['max_replicas']})"
        if hpa["max_replicas"] is not None
        else ""
    )
    lines = [
        f"- `{reports.rel(path)}`: {verdict}; time to scale to "
        f"{hpa['expect_replicas']} ready replicas: "
        + (f"{seconds} s" if seconds is not None else "not reached")
        + f"; maximum ready replicas: {hpa['max_ready_replicas']}{bounds}; "
        f"{hpa['samples']} samples"
    ]
    lines += [f"  - {'pass' if ok else 'FAIL'} {n}: {m}" for n, ok, m in hpa["checks"]]
    plot = path.with_suffix(".png")
    if plot.is_file():
        return [*lines, f"- plot: [{plot.name}]({reports.rel(plot)})"]
    return [*lines, f"- no plot next to it ({plot.name})"]


def hpa(reports: ReportFiles, gates: dict) -> list[str]:
    lines = ["## HPA", ""]
    timelines = list(reports.rglob("hpa-timeline.json"))
    for path in timelines:
        lines += _hpa_timeline(reports, path)
    if not timelines:
        lines.append("No HPA timeline (reports/hpa-timeline.json): the live check needs a cluster.")
    selftest = list(reports.rglob("hpa-selftest*.png"))
    if selftest:
        links = ", ".join(f"[{p.stem}]({reports.rel(p)})" for p in selftest)
        lines.append(f"- plots of the checker's self-test against the fake API server: {links}")
    return lines


def capacity(reports: ReportFiles, gates: dict) -> list[str]:
    lines = ["## Capacity", ""]
    capacities = list(reports.rglob("capacity.json"))
    for path in capacities:
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            lines.append(f"`{reports.rel(path)}` is not JSON: {exc}")
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
        lines.append(f"\nFrom `{reports.rel(path)}`.")
    return lines if capacities else [*lines, "No capacity report (reports/capacity.json)."]


def image(reports: ReportFiles, gates: dict) -> list[str]:
    digest = read_digest(reports)
    if digest:
        return ["## Image", "", f"`{digest}`"]
    return ["## Image", "", "No image digest (reports/image-digest.txt).", *_local_image(reports)]


def _local_image(reports: ReportFiles) -> list[str]:
    """Without a pushed digest (no registry, e.g. in .ci/run): the image the image gate built."""
    path = reports.file("image-figures.json")
    if path is None:
        return []
    try:
        build = json.loads(path.read_text())["build"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [
        f"Built locally by the image gate, not pushed: image id `sha256:{build['id']}`, "
        f"{build['size_mb']} MB, revision `{build['revision']}` (`{reports.rel(path)}`)."
    ]


def time_to_verdict(reports: ReportFiles, gates: dict) -> list[str]:
    return timings.section(timings.timings(reports.root, reports.run_id, timings.started()))


ALL = (
    gates_table,
    coverage,
    contract,
    contract_changelog,
    contract_coverage,
    smoke,
    hpa,
    capacity,
    image,
    evidence,
    waivers,
    time_to_verdict,
)
