"""Check an image digest against the release policy and the evidence: every required gate has
a PASSED attestation about that digest signed by a trusted key, and so have its SBOM and its
provenance. Each refusal names its reason."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness import gates
from harness.evidence import signing, statements
from harness.evidence.attest import SUFFIX
from harness.evidence.policy import Policy, Required


@dataclass
class Row:
    what: str  # STAGE/GATE, sbom or provenance
    result: str  # PASSED, WARNED, FAILED, missing, refused, waived (local run)
    signer: str = ""
    verified: bool = False
    file: str = ""
    why: str = ""


@dataclass
class Verdict:
    digest: str
    environment: str
    rows: list[Row] = field(default_factory=list)

    @property
    def refusals(self) -> list[str]:
        return [f"{r.what}: {r.why}" for r in self.rows if r.why and r.result != "waived"]

    def to_json(self) -> dict:
        return {
            "digest": self.digest,
            "environment": self.environment,
            "allowed": not self.refusals,
            "refusals": self.refusals,
            "rows": [asdict(r) for r in self.rows],
        }


@dataclass
class Claim:
    """An envelope read: what it says it is about, and whether it can be trusted."""

    file: Path
    kind: str  # the STAGE/GATE of a test result, else sbom or provenance
    digest: str | None
    statement: dict | None
    signer: str
    problem: str | None


def _about(statement: dict | None) -> tuple[str, str | None]:
    if not statement:
        return "?", None
    digest = None
    for item in statement.get("subject", []):
        if "sha256" in item.get("digest", {}):
            digest = "sha256:" + item["digest"]["sha256"]
    kind = {statements.SBOM: "sbom", statements.PROVENANCE: "provenance"}.get(
        statement.get("predicateType"), "?"
    )
    if statement.get("predicateType") == statements.TEST_RESULT:
        for item in statement.get("predicate", {}).get("configuration", []):
            notes = item.get("annotations") or {}
            if "stage" in notes and "gate" in notes:
                kind = f"{notes['stage']}/{notes['gate']}"
                break
    return kind, digest


def read_claims(folders: list[Path], trusted: dict) -> list[Claim]:
    claims = []
    keys = {keyid: key for keyid, (_, key) in trusted.items()}
    for folder in folders:
        for path in sorted(folder.glob(f"*{SUFFIX}")):
            try:
                document = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                claims.append(Claim(path, "?", None, None, "", f"unreadable ({exc})"))
                continue
            opened = signing.open_envelope(document, keys)
            names = [trusted[k][0] for k in opened.keyids if k in trusted]
            signer = ", ".join(names) or ", ".join(k[:12] for k in opened.keyids)
            # a refused envelope is described by what it claims, never trusted for it
            kind, digest = _about(opened.statement or signing.payload_of(document))
            claims.append(Claim(path, kind, digest, opened.statement, signer, opened.problem))
    return claims


def _judge(what: str, digest: str, claims: list[Claim]) -> Row:
    mine = [c for c in claims if c.kind == what]
    if not mine:
        return Row(what, "missing", why=f"no attestation of {what} in the evidence")
    good = [c for c in mine if c.problem is None and c.digest == digest]
    for claim in good:
        if what in ("sbom", "provenance"):
            return Row(what, "present", claim.signer, True, claim.file.name)
        predicate = claim.statement["predicate"]
        row = Row(what, predicate["result"], claim.signer, True, claim.file.name)
        if predicate["result"] != "PASSED":
            failed = predicate.get("failedTests") or predicate.get("warnedTests") or []
            shown = ", ".join(failed[:3]) + (
                f" and {len(failed) - 3} more" if len(failed) > 3 else ""
            )
            row.why = f"{predicate['result']}: {shown or 'no test id recorded'}"
        return row
    claim = mine[0]
    if claim.problem:
        return Row(
            what,
            "refused",
            claim.signer,
            False,
            claim.file.name,
            f"{claim.file.name}: {claim.problem}",
        )
    return Row(
        what,
        "refused",
        claim.signer,
        True,
        claim.file.name,
        f"{claim.file.name} is about {claim.digest}, not the digest to deploy",
    )


def verify(
    digest: str,
    environment: str,
    policy: Policy,
    folders: list[Path],
    trusted: dict,
    local: bool = False,
) -> Verdict:
    digest = statements.parse_digest(digest)
    claims = read_claims(folders, trusted)
    verdict = Verdict(digest, environment)
    for required in policy.required(environment):
        gate = gates.BY_NAME[required.gate]
        if local and not gate.ci:
            verdict.rows.append(
                Row(str(required), "waived", why=f"not in a local run: {gate.not_in_ci}")
            )
            continue
        if local and _local_variant_only(required):
            verdict.rows.append(
                Row(
                    str(required),
                    "waived",
                    why="not in a local run: its env runs against a deployment",
                )
            )
            continue
        verdict.rows.append(_judge(str(required), digest, claims))
    for what in ("sbom", "provenance"):
        verdict.rows.append(_judge(what, digest, claims))
    return verdict


def _local_variant_only(required: Required) -> bool:
    """Every env of the gate in that stage is one .ci/run cannot run (contract-live)."""
    from harness.evidence.policy import stage_envs

    envs = stage_envs(required.stage).get(required.gate, [])
    variants = [gates.by_env().get(env, (None, None))[1] for env in envs]
    return bool(variants) and all(v is not None and not v.ci for v in variants)
