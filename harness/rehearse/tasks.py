"""Local equivalents of the Azure DevOps tasks the pipeline uses, each checking what the task
needs; and the steps that cannot be rehearsed here, each with its reason, by name.

A step is either run (a script, or a task's equivalent here) or not rehearsed for a reason
below; a step of a kind this module does not know is neither, and fails the rehearsal.
"""

from __future__ import annotations

import fnmatch
import glob
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from harness import gates
from harness.pipeline.checks import junit_files

CLUSTER = "needs a cluster"
REGISTRY = "not rehearsed here: push needs a registry"
PRD = "needs prd: it reads the schema prd serves (PRD_BASE_URL), and prd is never rehearsed"


@dataclass
class Outcome:
    ok: bool
    message: str
    exit_code: int | None = None


@dataclass
class Ledger:
    """What steps not rehearsed would have produced: their gates, files and artifacts, so that
    a step publishing or downloading them is not rehearsed either, for the same reason."""

    gates: dict[str, str] = field(default_factory=dict)  # gate -> why not rehearsed
    envs: dict[str, str] = field(default_factory=dict)  # tox env -> why not rehearsed
    files: dict[str, str] = field(default_factory=dict)  # path under the checkout -> why
    artifacts: dict[str, str] = field(default_factory=dict)  # artifact -> why

    def why_file(self, path: str) -> str | None:
        path = path.removeprefix("./")
        if path in self.files:
            return self.files[path]
        stem = Path(path).name.split(".")[0]
        if stem in gates.by_env():  # an env's own report: contract-live.xml is not contract's
            return self.envs.get(stem)
        return self.gates.get(gates.gate_of(stem))  # a gate's further files (hpa-timeline.png)


def task_name(step: dict) -> str:
    return str(step.get("task", "")).split("@")[0]


SHOWN_INPUTS = (
    "testResultsFiles",
    "summaryFileLocation",
    "targetPath",
    "artifact",
    "command",
    "versionSpec",
)


def describe(step: dict) -> str:
    """A task, checkout or download as one line, for the summary's command column."""
    if "checkout" in step:
        return f"checkout: {step['checkout']}"
    if "download" in step:
        return f"download: {step['download']} {step.get('artifact') or step.get('patterns', '')}"
    inputs = step.get("inputs") or {}
    shown = [f"{k}={' '.join(str(inputs[k]).split())}" for k in SHOWN_INPUTS if k in inputs]
    return f"task: {step.get('task', '?')} {' '.join(shown)}".strip()


# --- what is not rehearsed, by name ----------------------------------------------------------

NOT_REHEARSED_TASKS = {
    "Kubernetes": f"{CLUSTER}: kubectl login through a Kubernetes service connection",
    "KubernetesManifest": f"{CLUSTER}: kubectl through a Kubernetes service connection",
    "AzureCLI": "needs Azure: an Azure Resource Manager service connection",
    "DownloadSecureFile": "needs Azure DevOps: a secure file (the evidence signing key)",
}
EVIDENCE = (
    "needs the pipeline's signing key (a secure file) and the pushed digest; .ci/run signs the "
    "same evidence with a throwaway key (python3 toxw -e deploy -- attest-local)"
)
NOT_REHEARSED_SCRIPTS = {
    "ci_image.sh push": f"{REGISTRY} (and its digest comes from that push)",
    "toxw -e deploy -- attest": EVIDENCE,
    "toxw -e deploy -- verify": f"checks the evidence a step not rehearsed signs ({EVIDENCE})",
    "toxw -e deploy": f"{CLUSTER}: the deploy applies the overlay to AKS",
    "$(PRD_BASE_URL)": PRD,
}


def not_rehearsed(step: dict, script: str, envs: list[str], ledger: Ledger) -> str | None:
    """Why this step is not rehearsed, or None when it is."""
    task = task_name(step)
    if task in NOT_REHEARSED_TASKS:
        return NOT_REHEARSED_TASKS[task]
    if task == "Docker":
        return f"{REGISTRY} (Docker@2 {step.get('inputs', {}).get('command')} to users-acr)"
    if task == "DownloadPipelineArtifact" and (step.get("inputs") or {}).get("buildType") == (
        "specific"
    ):
        # the contract-coverage baseline: an artifact of main's latest run in Azure DevOps
        return (
            "needs Azure DevOps: an artifact of an earlier pipeline run "
            f"({(step.get('inputs') or {}).get('artifactName')}); the step after it then has none"
        )
    for marker, reason in NOT_REHEARSED_SCRIPTS.items():
        if marker in script:
            return reason
    for env in envs:
        gate = gates.gate(gates.gate_of(env))
        if not gate.ci and gate.not_in_ci:
            return f"gate {gate.name}: {gate.not_in_ci}"
    return _input_not_rehearsed(step, task, ledger)


def _input_not_rehearsed(step: dict, task: str, ledger: Ledger) -> str | None:
    inputs = step.get("inputs") or {}
    if task == "PublishTestResults":
        reasons = [ledger.why_file(p) for p in patterns(inputs.get("testResultsFiles"))]
        if reasons and all(reasons):
            return f"publishes the report of a step not rehearsed ({reasons[0]})"
    if task == "PublishPipelineArtifact":
        why = ledger.why_file(str(inputs.get("targetPath", "")))
        if why:
            return f"publishes what a step not rehearsed writes ({why})"
    if step.get("download") == "current" and step.get("artifact") in ledger.artifacts:
        return (
            f"downloads an artifact of a step not rehearsed ({ledger.artifacts[step['artifact']]})"
        )
    if step.get("download") == "current" and not step.get("artifact"):
        # by patterns: not rehearsed when every pattern names only artifacts not rehearsed
        globs = patterns(step.get("patterns") or "**")
        hits = {g: [a for a in ledger.artifacts if fnmatch.fnmatch(f"{a}/x", g)] for g in globs}
        if all(hits.values()):
            first = next(iter(hits.values()))[0]
            return f"downloads artifacts of steps not rehearsed ({ledger.artifacts[first]})"
    return None


def record_not_rehearsed(script: str, envs: list[str], reason: str, ledger: Ledger) -> None:
    for env in envs:
        ledger.gates[gates.gate_of(env)] = reason
        ledger.envs[env] = reason
        for name in junit_files(env):
            ledger.files[f"reports/{name}"] = reason
    if "ci_image.sh push" in script:
        ledger.files["reports/image-digest.txt"] = reason
    if "toxw -e deploy -- attest" in script:
        ledger.files["reports/evidence"] = reason


# --- the equivalents -------------------------------------------------------------------------


def patterns(value) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def _matches(checkout: Path, pattern: str) -> list[Path]:
    return sorted(Path(p) for p in glob.glob(str(checkout / pattern), recursive=True))


def publish_test_results(inputs: dict, checkout: Path) -> Outcome:
    """Every line of testResultsFiles matches a file, and every file matched is JUnit."""
    if str(inputs.get("testResultsFormat", "JUnit")) != "JUnit":
        return Outcome(False, f"testResultsFormat {inputs.get('testResultsFormat')!r}: not JUnit")
    found, problems = [], []
    for pattern in patterns(inputs.get("testResultsFiles")):
        matched = _matches(checkout, pattern)
        if not matched:
            problems.append(f"{pattern} matches no file: no step wrote it")
        found += matched
    for path in found:
        try:
            root = ET.parse(path).getroot()
        except (ET.ParseError, OSError) as exc:
            problems.append(f"{path.relative_to(checkout)} is not XML ({exc})")
            continue
        if root.tag not in {"testsuites", "testsuite"}:
            problems.append(f"{path.relative_to(checkout)} is <{root.tag}>, not JUnit")
    if problems or not found:
        return Outcome(False, "; ".join(problems) or "testResultsFiles names no file")
    return Outcome(True, "published " + ", ".join(str(p.relative_to(checkout)) for p in found))


def publish_coverage(inputs: dict, checkout: Path) -> Outcome:
    path = checkout / str(inputs.get("summaryFileLocation", ""))
    if not path.is_file():
        return Outcome(False, f"{inputs.get('summaryFileLocation')} does not exist: no Cobertura")
    try:
        tag = ET.parse(path).getroot().tag
    except ET.ParseError as exc:
        return Outcome(False, f"{path.name} is not XML ({exc})")
    if tag != "coverage":
        return Outcome(False, f"{path.name} is <{tag}>, not Cobertura <coverage>")
    report = inputs.get("reportDirectory")
    note = "" if not report or (checkout / report).is_dir() else f"; {report} is missing"
    return Outcome(True, f"Cobertura {path.relative_to(checkout)}{note}")


def publish_artifact(inputs: dict, checkout: Path, artifacts: Path) -> Outcome:
    source = checkout / str(inputs.get("targetPath", ""))
    name = str(inputs.get("artifact") or "")
    if not name:
        return Outcome(False, "no artifact name")
    if not source.exists():
        return Outcome(False, f"targetPath {inputs.get('targetPath')} does not exist")
    target = artifacts / name
    if target.exists():
        return Outcome(False, f"artifact {name!r} was already published in this run")
    try:
        if source.is_dir():
            shutil.copytree(source, target, ignore=artifact_ignored(source))
        else:
            target.mkdir(parents=True)
            shutil.copy2(source, target / source.name)
    except (OSError, shutil.Error) as exc:  # a full disk says so, not a traceback
        return Outcome(False, f"could not store artifact {name!r} in {artifacts}: {exc}")
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return Outcome(True, f"{inputs.get('targetPath')} -> artifact {name} ({size / 1e6:.1f} MB)")


def artifact_ignored(folder: Path):
    """The copytree `ignore` that leaves out what `folder/.artifactignore` names, as the agent's
    PublishPipelineArtifact does (gitignore syntax, read only at the root of targetPath)."""
    rules = folder / ".artifactignore"
    if not rules.is_file():
        return None
    spec = pathspec.GitIgnoreSpec.from_lines(rules.read_text().splitlines())

    def ignore(directory: str, names: list[str]) -> set[str]:
        where = Path(directory).relative_to(folder)
        return {
            name
            for name in names
            if spec.match_file(
                (where / name).as_posix() + ("/" if (Path(directory) / name).is_dir() else "")
            )
        }

    return ignore


def download(step: dict, artifacts: Path, workspace: Path) -> Outcome:
    """`download: current`: one artifact, or those whose files match `patterns`."""
    available = sorted(p.name for p in artifacts.iterdir()) if artifacts.is_dir() else []
    if step.get("artifact"):
        wanted = [step["artifact"]]
        if wanted[0] not in available:
            return Outcome(False, f"artifact {wanted[0]!r} was never published ({available})")
    else:
        globs = patterns(step.get("patterns") or "**")
        wanted = [a for a in available if any(fnmatch.fnmatch(f"{a}/x", g) for g in globs)]
        if not wanted:
            return Outcome(False, f"patterns {globs} match none of the artifacts {available}")
    for name in wanted:
        shutil.copytree(artifacts / name, workspace / name, dirs_exist_ok=True)
    return Outcome(True, f"downloaded {', '.join(wanted)} to {workspace}")


def checkout_self(step: dict, checkout: Path, commit: str) -> Outcome:
    if step.get("checkout") != "self":
        return Outcome(False, f"checkout {step.get('checkout')!r}: only self is rehearsed")
    at = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True)
    if at.stdout.strip() != commit:
        return Outcome(False, f"the checkout is at {at.stdout.strip()}, not {commit}")
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"],
        cwd=checkout,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if str(step.get("fetchDepth", "")) == "0" and shallow == "true":
        return Outcome(False, "fetchDepth 0 asks for the whole history; this clone is shallow")
    return Outcome(True, f"clean clone at {commit[:12]} ({checkout})")


def use_python(inputs: dict) -> Outcome:
    wanted = str(inputs.get("versionSpec", ""))
    here = ".".join(map(str, sys.version_info[:2]))
    if wanted and not here.startswith(wanted.rstrip(".x")):
        return Outcome(True, f"the agent selects Python {wanted}; this machine's is {here}")
    return Outcome(True, f"Python {here}")


EQUIVALENTS = (
    "PublishTestResults",
    "PublishCodeCoverageResults",
    "PublishPipelineArtifact",
    "UsePythonVersion",
)


def has_equivalent(step: dict) -> bool:
    return (
        "checkout" in step or step.get("download") == "current" or (task_name(step) in EQUIVALENTS)
    )


def run_task(step: dict, checkout: Path, artifacts: Path, workspace: Path, commit: str):
    """The local equivalent of this step, or None when there is none."""
    inputs = step.get("inputs") or {}
    if "checkout" in step:
        return checkout_self(step, checkout, commit)
    if step.get("download") == "current":
        return download(step, artifacts, workspace)
    equivalents = {
        "PublishTestResults": lambda: publish_test_results(inputs, checkout),
        "PublishCodeCoverageResults": lambda: publish_coverage(inputs, checkout),
        "PublishPipelineArtifact": lambda: publish_artifact(inputs, checkout, artifacts),
        "UsePythonVersion": lambda: use_python(inputs),
    }
    equivalent = equivalents.get(task_name(step))
    return equivalent() if equivalent else None
