"""The evidence table of a verification (reports/evidence-verify.json), for the log and the gate
report; only the standard library, so the gate report reads it without the signing libraries."""

from __future__ import annotations


def evidence_table(verdict: dict) -> list[str]:
    lines = ["| evidence | result | signer | verified |", "|---|---|---|---|"]
    for row in verdict.get("rows", []):
        why = row.get("why") if row.get("result") != "missing" else ""
        result = row.get("result", "?") + (f": {why}" if why else "")
        verified = "yes" if row.get("verified") else "no"
        lines.append(f"| {row.get('what')} | {result} | {row.get('signer') or '-'} | {verified} |")
    return lines


def summary(verdict: dict) -> str:
    where = f"`{verdict.get('digest')}` for {verdict.get('environment')}"
    if verdict.get("allowed"):
        return f"ALLOWED: {where}: every attestation the policy needs is there, signed and PASSED."
    return f"REFUSED: {where}: " + "; ".join(verdict.get("refusals", []))
