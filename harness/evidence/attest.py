"""Write the evidence of one image digest: a signed test-result attestation per gate that a
stage ran, from the gate's JUnit (Cobertura for coverage) of this run, and the image's signed
SBOM and provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from harness import gates
from harness.common.reports import FINDINGS_ONLY, ReportFiles, read_coverage, read_junit
from harness.evidence import sbom, signing, statements
from harness.evidence.policy import stage_envs

SUFFIX = ".intoto.dsse.json"


@dataclass
class Origin:
    """Where the evidence comes from: the run and the source it built."""

    image: str
    digest: str
    repository: str
    revision: str
    ref: str
    run_url: str
    build_id: str


def report_files(env: str) -> list[str]:
    gate, variant = gates.by_env().get(env, (gates.BY_NAME.get(env), None))
    if variant:
        return [f"{env}.xml"]
    return list(gate.junit_files or gate.cobertura)


def find(name: str, folders: list[ReportFiles]) -> tuple[list[Path], list[str]]:
    """NAME in each folder (not its subfolders) when this run wrote it there; and the copies
    another run left, with the run that wrote them."""
    found, stale = [], []
    for folder in folders:
        path = folder / name
        if path.is_file():
            if folder.is_current(path):
                found.append(path)
            else:
                stale.append(f"{path} is from {folder.stale[path]}")
    return found, stale


def gate_result(gate: str, stage: str, envs: list[str], folders: list[ReportFiles], origin):
    """The test-result predicate of GATE as STAGE ran it, or why there is none."""
    passed, warned, failed, problems = [], [], [], []
    configuration = []
    for env in envs:
        configuration.append(
            {
                "name": f"tox -e {env}" if gates.BY_NAME[gate].tox else gate,
                "uri": f"git+{origin.repository}@{origin.revision}#tox.ini",
                "digest": {"gitCommit": origin.revision},
                "annotations": {"stage": stage, "gate": gate, "env": env},
            }
        )
        for name in report_files(env):
            paths, stale = find(name, folders)
            if len(paths) != 1:
                where = ", ".join(str(p) for p in paths) or "in none of the report folders"
                return None, f"{name}: {len(paths)} of this run {where}" + "".join(
                    f"; {line}" for line in stale
                )
            path = paths[0]
            configuration.append(
                {"name": name, "digest": {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}}
            )
            if name in gates.BY_NAME[gate].cobertura:
                if "harness" in path.stem:
                    # harness/'s minimum holds over all of .ci/run, not over one job's gates (the
                    # gate report's rule): its file is in the configuration, not judged here
                    continue
                figures = read_coverage(path)
                minimum = gates.COVERAGE_MINIMUMS["webapp"]
                ok = figures is not None and figures["percent"] >= minimum
                shown = f"{figures['percent']:.1f}%" if figures else "unreadable"
                (passed if ok else failed).append(
                    f"webapp/ coverage {shown} (needs {minimum:.0f}%)"
                )
                continue
            junit = read_junit(path, str(path.parent))
            if junit is None:
                return None, f"{path} is not JUnit"
            if junit.tests == 0 and name not in FINDINGS_ONLY:
                problems.append(f"{name} ran no test")
            for case, outcome in junit.cases:
                {"passed": passed, "skipped": warned}.get(outcome, failed).append(case)
            if not junit.cases and junit.failures + junit.errors:  # a suite of counts only
                problems.append(f"{name}: {junit.failures} failed, {junit.errors} errors")
    result = "FAILED" if failed or problems else "WARNED" if warned else "PASSED"
    failed += problems
    return statements.test_result(
        result, configuration, origin.run_url, passed, warned, failed
    ), None


def write_envelope(out: Path, name: str, statement: dict, key) -> Path:
    path = out / f"{name}{SUFFIX}"
    path.write_text(json.dumps(signing.sign(statement, key), indent=1) + "\n")
    return path


def attest_gates(stages, folders, origin, key, out: Path) -> list[str]:
    """One envelope per gate of each stage; returns a line per gate for the log."""
    lines = []
    readable = [ReportFiles(folder) for folder in folders]
    for stage in stages:
        for gate, envs in stage_envs(stage).items():
            predicate, why_not = gate_result(gate, stage, envs, readable, origin)
            if predicate is None:
                lines.append(f"{stage}/{gate}: not attested: {why_not}")
                continue
            statement = statements.statement(
                origin.image, origin.digest, statements.TEST_RESULT, predicate
            )
            path = write_envelope(out, f"{stage}.{gate}", statement, key)
            counts = {k: len(predicate[k]) for k in ("passedTests", "warnedTests", "failedTests")}
            lines.append(
                f"{stage}/{gate}: {predicate['result']} ({counts['passedTests']} passed, "
                f"{counts['warnedTests']} warned, {counts['failedTests']} failed) -> {path.name}"
            )
    return lines


def attest_image(found: dict, origin, key, out: Path, base: str, base_digest, started) -> list:
    """The SBOM of what FOUND lists (sbom.inventory of the image) and the provenance."""
    document = sbom.bom(origin.image, origin.digest, found)
    (out / "sbom.cdx.json").write_text(json.dumps(document, indent=1) + "\n")
    statement = statements.statement(origin.image, origin.digest, statements.SBOM, document)
    write_envelope(out, "sbom", statement, key)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    predicate = statements.provenance(
        repository=origin.repository,
        revision=origin.revision,
        ref=origin.ref,
        builder=origin.run_url,
        build_id=origin.build_id,
        base_image=base,
        base_digest=base_digest,
        started=started or now,
        finished=now,
    )
    statement = statements.statement(origin.image, origin.digest, statements.PROVENANCE, predicate)
    write_envelope(out, "provenance", statement, key)
    return [
        f"sbom: {len(found['python'])} Python and {len(found['debian'])} Debian packages "
        f"-> sbom{SUFFIX} (and sbom.cdx.json)",
        f"provenance: {origin.repository}@{origin.revision[:12]}, base {base} -> "
        f"provenance{SUFFIX}",
    ]
