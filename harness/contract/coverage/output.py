"""What the contract-coverage gate prints, and its JUnit file: one case per matrix row."""

from __future__ import annotations

from pathlib import Path

from harness.common import junit
from harness.contract.coverage.result import failures_by_kind


def _gates(row: dict) -> str:
    return ", ".join(row["seen_by"]) or ("excluded: " + row["excluded"] if row["excluded"] else "-")


def lines(data: dict) -> list[str]:
    s = data["summary"]
    out = [
        f"Contract coverage over {data['exchanges']} recorded exchanges of "
        f"{', '.join(data['gates']) or 'no gate'}:",
        f"  documented responses demonstrated: {s['demonstrated']} of {s['documented']}",
    ]
    for r in data["documented"]:
        mark = "ok  " if r["seen_by"] else ("skip" if r["excluded"] else "MISS")
        out.append(
            f"    [{mark}] {r['operation']:<14} {r['status']} {r['media_type'] or '(no body)':<17}"
            f" {_gates(r)}"
        )
    out.append(
        f"  request-body constraints demonstrated: {s['constraints_demonstrated']} of "
        f"{s['constraints']}"
    )
    for r in data["constraints"]:
        mark = ("ok  " if r["alone"] else "ok+ ") if r["seen_by"] else "MISS"
        mark = "skip" if r["excluded"] and not r["seen_by"] else mark
        rule = f"{r['property']}.{r['keyword']}"
        out.append(f"    [{mark}] {r['operation']:<14} {rule:<24} {_gates(r)}")
    out.append("    (ok+: only ever broken together with another constraint)")
    out.append(
        f"  undocumented responses: {s['undeclared']}; responses breaking their schema: "
        f"{s['invalid']}; constraints not enforced: {s['unenforced']}"
    )
    out.append(
        f"  requests outside the contract (undeclared method or path): {s['not_declared']}, "
        f"{s['not_declared_wrong_shape']} without the documented error shape; "
        f"documentation requests: {s['docs']}; requests the server could not parse, answered "
        f"by it at the transport level (outside every operation): {s['transport']}"
    )
    if data["baseline"] is None:
        out.append("  against main: no baseline (--baseline FILE); nothing compared")
    else:
        out.append(f"  against main: {s['lost']} row(s) demonstrated there and not here")
    return out


def write_junit(path: Path, data: dict, seconds: float) -> None:
    cases: list[tuple[str, str | None]] = []
    for r in data["documented"]:
        name = f"documented {r['operation']} {r['status']} {r['media_type']}"
        cases.append((name, None if r["seen_by"] or r["excluded"] else "no evidence"))
    for r in data["constraints"]:
        name = f"constraint {r['operation']} {r['property']}.{r['keyword']}"
        cases.append((name, None if r["seen_by"] or r["excluded"] else "no evidence"))
    by_kind = failures_by_kind(data)
    cases.append(("every response documented and valid", "\n".join(by_kind["responses"]) or None))
    if data["baseline"] is not None:
        cases.append(("no coverage lost against main", "\n".join(by_kind["baseline"]) or None))
    junit.write(path, "contract-coverage", cases, seconds)
