"""The matrix as reports/contract-coverage.json, and the verdict: which rows block a release.

Blocking: a documented response or a body constraint with no evidence (unless excluded, with a
reason, in contract/coverage-exclusions.yaml), any response the contract does not document, any
documented response that breaks its schema, any constraint the service accepted a breach of,
any request for an undeclared method or path answered without the error shape, and, given a
baseline, anything demonstrated there and not here.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.contract.coverage.matrix import Matrix, Seen
from harness.contract.coverage.spec import Contract

EXCLUSIONS = Path(__file__).resolve().parents[3] / "contract" / "coverage-exclusions.yaml"
KINDS = ("documented", "constraint")
MAX_TESTS = 5  # test ids kept per gate and row: enough to find one, not a dump


class ExclusionError(ValueError):
    pass


def seen_by(seen: Seen | None) -> dict[str, list[str]]:
    return {gate: sorted(tests)[:MAX_TESTS] for gate, tests in sorted((seen or {}).items())}


def load_exclusions(path: Path = EXCLUSIONS) -> dict[tuple, str]:
    """(kind, *row key) -> reason. Every entry needs a reason; a malformed file is an error."""
    if not path.exists():
        return {}
    entries = (yaml.safe_load(path.read_text()) or {}).get("exclusions") or []
    found: dict[tuple, str] = {}
    for number, entry in enumerate(entries, 1):
        kinds = [k for k in KINDS if k in (entry or {})]
        reason = str((entry or {}).get("reason") or "").strip()
        if len(kinds) != 1 or not reason:
            raise ExclusionError(
                f"{path.name} entry {number}: needs one of {', '.join(KINDS)} and a reason"
            )
        row = entry[kinds[0]]
        keys = ("operation", "status", "media_type")
        if kinds[0] == "constraint":
            keys = ("operation", "property", "keyword")
        found[(kinds[0], *(str(row.get(k, "")) for k in keys))] = reason
    return found


def _rows(contract: Contract, matrix: Matrix, exclusions: dict) -> tuple[list, list]:
    documented = []
    for row in contract.documented():
        key = (row["operation"], row["status"], row["media_type"])
        excluded = exclusions.get(("documented", *key))
        documented.append(
            {**row, "seen_by": seen_by(matrix.documented.get(key)), "excluded": excluded}
        )
    constraints = []
    for row in contract.constraints():
        key = (row["operation"], row["property"], row["keyword"])
        excluded = exclusions.get(("constraint", *key))
        constraints.append(
            {
                **row,
                "seen_by": seen_by(matrix.constraints.get(key)),
                "alone": key in matrix.alone,
                "excluded": excluded,
            }
        )
    return documented, constraints


def _listed(table, fields: tuple[str, ...], samples: dict | None = None) -> list[dict]:
    rows = []
    for key, seen in sorted(table.items()):
        row = {**dict(zip(fields, key, strict=True)), "seen_by": seen_by(seen)}
        row["count"] = sum(sum(tests.values()) for tests in seen.values())  # exchanges
        if samples is not None:
            row["paths"] = samples.get(key, [])
        rows.append(row)
    return rows


def lost_against(baseline: dict, documented: list, constraints: list) -> list[dict]:
    """Rows the baseline run demonstrated that this run does not."""
    now = {
        ("documented", r["operation"], r["status"], r["media_type"])
        for r in documented
        if r["seen_by"]
    } | {
        ("constraint", r["operation"], r["property"], r["keyword"])
        for r in constraints
        if r["seen_by"]
    }
    lost = []
    for r in baseline.get("documented", []):
        key = ("documented", r["operation"], str(r["status"]), r["media_type"])
        if r.get("seen_by") and key not in now:
            lost.append(
                {"kind": "documented", **{k: r[k] for k in ("operation", "status", "media_type")}}
            )
    for r in baseline.get("constraints", []):
        key = ("constraint", r["operation"], r["property"], r["keyword"])
        if r.get("seen_by") and key not in now:
            lost.append(
                {"kind": "constraint", **{k: r[k] for k in ("operation", "property", "keyword")}}
            )
    return lost


def report(contract: Contract, matrix: Matrix, gates: list[str], baseline: dict | None) -> dict:
    """Everything the JSON holds; ``failures`` says in words what blocks the release."""
    documented, constraints = _rows(contract, matrix, load_exclusions())
    data = {
        "gates": gates,
        "exchanges": matrix.exchanges,
        "documented": documented,
        "undeclared": _listed(matrix.undeclared, ("method", "path", "status", "media_type")),
        "invalid": _listed(matrix.invalid, ("operation", "status", "media_type", "reason")),
        "constraints": constraints,
        "unenforced": _listed(matrix.unenforced, ("operation", "property", "keyword", "status")),
        "not_declared": _listed(
            matrix.not_declared, ("method", "status", "media_type", "problem"), matrix.samples
        ),
        "docs": _listed(matrix.docs, ("method", "path", "status")),
        "transport": _listed(matrix.transport, ("status",)),
        "broken_on_purpose": _listed(matrix.on_purpose, ("method", "path", "status")),
        "baseline": None
        if baseline is None
        else {"lost": lost_against(baseline, documented, constraints)},
    }
    data["summary"] = {
        "documented": len(documented),
        "demonstrated": sum(1 for r in documented if r["seen_by"]),
        "undeclared": len(data["undeclared"]),
        "invalid": len(data["invalid"]),
        "constraints": len(constraints),
        "constraints_demonstrated": sum(1 for r in constraints if r["seen_by"]),
        "unenforced": len(data["unenforced"]),
        "not_declared": sum(r["count"] for r in data["not_declared"]),
        "not_declared_wrong_shape": sum(r["count"] for r in data["not_declared"] if r["problem"]),
        "docs": sum(r["count"] for r in data["docs"]),
        "transport": sum(r["count"] for r in data["transport"]),
        "broken_on_purpose": sum(r["count"] for r in data["broken_on_purpose"]),
        "excluded": sum(1 for r in documented + constraints if r["excluded"]),
        "lost": None if baseline is None else len(data["baseline"]["lost"]),
    }
    data["failures"] = failures(data)
    return data


def failures(data: dict) -> list[str]:
    return [message for messages in failures_by_kind(data).values() for message in messages]


def failures_by_kind(data: dict) -> dict[str, list[str]]:
    """What blocks the release, in words, under the row kind that shows it."""
    out = {kind: [] for kind in ("documented", "constraints", "responses", "baseline")}
    for r in data["documented"]:
        if not r["seen_by"] and not r["excluded"]:
            out["documented"].append(
                f"{r['operation']} ({r['method']} {r['path']}): no test saw the documented "
                f"{r['status']} {r['media_type'] or '(no body)'}"
            )
    for r in data["constraints"]:
        if not r["seen_by"] and not r["excluded"]:
            out["constraints"].append(
                f"{r['operation']}: no request broke {r['property']}'s {r['keyword']} "
                "and got the documented 400"
            )
    out["responses"] = _response_failures(data)
    for r in (data["baseline"] or {}).get("lost", []):
        what = (
            f"{r['status']} {r['media_type']}"
            if r["kind"] == "documented"
            else f"{r['property']}'s {r['keyword']}"
        )
        out["baseline"].append(
            f"{r['operation']}: {what} was demonstrated on the baseline and is not now"
        )
    return out


def _response_failures(data: dict) -> list[str]:
    out = []
    for r in data["undeclared"]:
        out.append(
            f"{r['method']} {r['path']} answered {r['status']} {r['media_type'] or '(no body)'}, "
            f"which the contract does not document (seen by {_where(r)})"
        )
    for r in data["invalid"]:
        out.append(
            f"{r['operation']} {r['status']} breaks the contract: {r['reason']} ({_where(r)})"
        )
    for r in data["unenforced"]:
        out.append(
            f"{r['operation']} accepted ({r['status']}) a body that breaks {r['property']}'s "
            f"{r['keyword']} ({_where(r)})"
        )
    for r in data["not_declared"]:
        if r["problem"]:
            out.append(
                f"{r['method']} {', '.join(r['paths'])} (not in the contract): {r['problem']} "
                f"({r['count']} seen, by {_where(r)})"
            )
    for r in data["docs"]:
        if int(r["status"]) >= 500:
            out.append(f"the documentation {r['path']} answered {r['status']} ({_where(r)})")
    return out


def _where(row: dict) -> str:
    return "; ".join(f"{gate}: {', '.join(tests[:2])}" for gate, tests in row["seen_by"].items())
