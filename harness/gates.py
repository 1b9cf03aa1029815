"""The gate registry: every release gate, declared once.

One gate = one tox env = one tests folder (none for a tool gate such as lint) = one pipeline step.
tox.ini, .ci/run, azure-pipelines.yml, the gate report and the gates table of the docs all follow
this list, and tests/pipeline fails when one of them disagrees with it.

    python3 -m harness.gates                 # the gates table (Markdown), as docs/gates.md shows it
    python3 -m harness.gates ci-envs         # the tox envs .ci/run runs after `python3 toxw`
    python3 -m harness.gates packages        # Debian packages .ci/run must install first

Only the standard library: .ci/run calls it with the system Python, before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import glob
import shutil
import sys
from dataclasses import dataclass, field

# The pipeline's stages, in order (azure-pipelines.yml); a gate names the one that runs it.
STAGES = ("CI", "Build", "DeployDev", "VerifyDev", "DeployPrd", "VerifyPrd")


@dataclass(frozen=True)
class SystemPart:
    """Something a gate needs that pip cannot install."""

    name: str
    packages: tuple[str, ...]  # Debian packages that provide it
    commands: tuple[str, ...] = ()  # present when every one of these is on PATH
    paths: tuple[str, ...] = ()  # ... and every one of these globs matches a file

    def present(self) -> bool:
        return all(shutil.which(c) for c in self.commands) and all(glob.glob(p) for p in self.paths)


PARTS = {
    part.name: part
    for part in (
        SystemPart("postgresql", ("postgresql",), paths=("/usr/lib/postgresql/*/bin/initdb",)),
        SystemPart("npm", ("nodejs", "npm"), commands=("npm",)),
        SystemPart("chromium", ("chromium",), commands=("chromium",)),
        SystemPart("podman", ("podman", "runc", "debootstrap"), ("podman", "runc", "debootstrap")),
        SystemPart("runuser", ("util-linux",), commands=("runuser",)),
        # Not installable here: they are why a gate is not in .ci/run.
        SystemPart("cluster", (), commands=("a Kubernetes cluster",)),
        SystemPart("vulnerability service", (), commands=("the PyPI advisory service",)),
        SystemPart("trivy", (), commands=("trivy with its database",)),
    )
}


@dataclass(frozen=True)
class Variant:
    """The same gate in another setting: the tox env NAME-VARIANT, reports/NAME-VARIANT.xml."""

    name: str
    summary: str
    stage: str | None  # the pipeline stage that runs it, None when only .ci/run does
    ci: bool = True
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gate:
    name: str  # also its tox env and the stem of its JUnit file
    summary: str  # what it checks, for the gates table
    tests: str | None  # its tests folder, None for a tool gate (lint, coverage, audit, hpa, trivy)
    stage: str | None  # the pipeline stage that runs it, None when only .ci/run does
    junit: tuple[str, ...] | None = None  # files under reports/; None: NAME.xml; (): none
    needs: tuple[str, ...] = ()  # names in PARTS
    default: bool = False  # run by the README's test command, `python3 toxw`
    ci: bool = True  # run by .ci/run
    tox: bool = True  # False for a gate the pipeline runs without tox (trivy)
    also: tuple[str, ...] = ()  # further stages that run it (smoke: read-only in prd)
    variants: tuple[Variant, ...] = ()
    not_in_ci: str = ""  # why .ci/run cannot run it, when ci is False
    cobertura: tuple[str, ...] = field(default=())  # Cobertura files (coverage)
    # Its tests record every HTTP exchange with the service, for the contract-coverage gate.
    records: bool = False

    @property
    def junit_files(self) -> tuple[str, ...]:
        return (f"{self.name}.xml",) if self.junit is None else self.junit

    @property
    def stages(self) -> tuple[str, ...]:
        return (self.stage, *self.also) if self.stage else self.also

    def env(self, variant: Variant | None = None) -> str:
        return f"{self.name}-{variant.name}" if variant else self.name


POSTGRESQL = Variant("postgresql", "on a real PostgreSQL", "CI", needs=("postgresql",))

GATES: tuple[Gate, ...] = (
    Gate(
        "lint",
        "ruff lint and format, hadolint on the Dockerfile, the pipeline against its schema",
        None,
        "CI",
        junit=("lint.xml", "lint-hadolint.xml"),
        default=True,
    ),
    Gate(
        "unit",
        "the service's unit tests, under coverage",
        "tests/unit",
        "CI",
        default=True,
        needs=("postgresql",),  # racing creates run on a real PostgreSQL
        variants=(POSTGRESQL,),
        records=True,
    ),
    Gate(
        "contract",
        "drift, lint and breaking changes of the contract; property-based tests from it; a "
        "typed client generated from it, run against the service and a mock",
        "tests/contract",
        "CI",
        default=True,
        needs=("npm",),
        variants=(
            POSTGRESQL,
            Variant("live", "the live tests against the deployed BASE_URL", "VerifyDev", ci=False),
        ),
        records=True,
    ),
    Gate(
        "smoke",
        "post-deploy checks over HTTP, the docs in headless Chromium",
        "tests/smoke",
        "VerifyDev",
        also=("VerifyPrd",),
        default=True,
        needs=("chromium",),
        variants=(Variant("postgresql", "4 workers on PostgreSQL", None, needs=("postgresql",)),),
        records=True,
    ),
    Gate(
        "harness",
        "the release harness's own tests: gate report, deploy, evidence, audit, waivers, "
        "image script",
        "tests/harness",
        "CI",
        default=True,
    ),
    Gate(
        "coverage",
        "branch coverage of webapp/ (95%) and harness/ (85% over every gate of .ci/run)",
        None,
        "CI",
        junit=(),
        default=True,
        cobertura=("coverage.xml", "coverage-harness.xml"),
    ),
    Gate("manifests", "k8s/ rendered, schema-validated, policy-scanned", "tests/manifests", "CI"),
    Gate(
        "iac",
        "infra/terraform parsed, fmt-checked, policy-scanned, cross-checked with the repository",
        "tests/iac",
        "CI",
    ),
    Gate(
        "pipeline", "azure-pipelines.yml against this registry, its rules", "tests/pipeline", "CI"
    ),
    Gate(
        "reliability",
        "racing creates, database outage, SIGTERM, mixed load, hostile input",
        "tests/reliability",
        "CI",
        needs=("postgresql", "runuser"),
        records=True,
    ),
    Gate(
        "hpa-selftest",
        "the HPA checker against a fake Kubernetes API server, driven by real load",
        "tests/hpa",
        "CI",
        needs=("postgresql",),
    ),
    Gate(
        "rehearse",
        "azure-pipelines.yml run here, for a push to main and a pull request: its CI, Build and "
        "Verify dev steps in order, dev on a stand-in",
        "tests/rehearse",
        None,
        junit=("rehearse.xml", "rehearse-pipeline.xml"),
        needs=("podman", "postgresql", "chromium", "npm", "runuser"),
    ),
    Gate(
        "audit",
        "pip-audit of every pinned requirement",
        None,
        "CI",
        ci=False,
        needs=("vulnerability service",),
        not_in_ci="pip-audit needs its vulnerability service, which this network cannot reach",
    ),
    Gate(
        "image",
        "the container image built once and run: non-root, no secrets, smoke and contract",
        "tests/image",
        "Build",
        needs=("podman", "postgresql"),
        records=True,
    ),
    Gate(
        "capacity",
        "CPU per request of the image at the prd CPU limit, against the prd HPA",
        "tests/capacity",
        "Build",
        needs=("podman", "postgresql"),
    ),
    Gate(
        "contract-coverage",
        "every documented response and body constraint demonstrated by the exchanges the gates "
        "recorded, none undocumented, none lost against main",
        None,
        "CI",
        also=("VerifyDev",),
    ),
    Gate(
        "trivy",
        "vulnerability scan of the image (HIGH and CRITICAL block)",
        None,
        "Build",
        ci=False,
        tox=False,
        needs=("trivy",),
        not_in_ci="trivy needs its vulnerability database, which this network cannot reach",
    ),
    Gate(
        "hpa",
        "the dev HPA scales out under load and back in",
        None,
        "VerifyDev",
        ci=False,
        needs=("cluster",),
        not_in_ci="needs a Kubernetes cluster",
    ),
)

# Branch coverage the coverage gate requires of each package. harness/ is measured over every
# gate that .ci/run runs; its target is enforced where COVERAGE_HARNESS_MIN is set.
COVERAGE_MINIMUMS = {"webapp": 95.0, "harness": 85.0}

# tox envs that are tools, not gates: they write no verdict.
TOOLS = (
    "serve",
    "contract-regenerate",
    "client",
    "mock",
    "changelog",
    "report",
    "deploy",
    "checkov",
    "bench",
)

BY_NAME = {gate.name: gate for gate in GATES}


def gate(name: str) -> Gate:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a gate; the gates are {', '.join(BY_NAME)}") from None


def default_envs() -> list[str]:
    return [g.name for g in GATES if g.default]


def envs() -> list[tuple[Gate, Variant | None]]:
    """Every tox env of every gate, variants after their gate."""
    out: list[tuple[Gate, Variant | None]] = []
    for g in GATES:
        if g.tox:
            out.append((g, None))
            out += [(g, v) for v in g.variants]
    return out


def by_env() -> dict[str, tuple[Gate, Variant | None]]:
    """Every tox env of a gate -> (its gate, its variant or None)."""
    return {g.env(v): (g, v) for g, v in envs()}


def recording_envs() -> list[str]:
    """The tox envs whose tests record their exchanges with the service (contract coverage)."""
    return [g.env(v) for g, v in envs() if g.records]


def ci_envs() -> list[str]:
    """What .ci/run runs after `python3 toxw`, in this order."""
    later = []
    for g, v in envs():
        runs = g.ci and (v.ci if v else not g.default)
        if runs:
            later.append(g.env(v))
    return later


def gate_of(env_or_stem: str) -> str:
    """unit-postgresql -> unit, hpa-selftest -> hpa-selftest, lint-hadolint -> lint."""
    matches = [n for n in BY_NAME if env_or_stem == n or env_or_stem.startswith(n + "-")]
    return max(matches, key=len) if matches else env_or_stem


def parts_needed(names: list[str]) -> list[SystemPart]:
    needed: dict[str, SystemPart] = {}
    for g, v in envs():
        if g.env(v) in names or (v is None and g.default and "default" in names):
            for part in (*g.needs, *(v.needs if v else ())):
                needed.setdefault(part, PARTS[part])
    return list(needed.values())


def missing_packages(names: list[str]) -> list[str]:
    packages: list[str] = []
    for part in parts_needed(names):
        if part.packages and not part.present():
            packages += part.packages
    return packages


def table() -> str:
    """The gates table of docs/gates.md, generated from this registry."""
    rows = [
        "| gate | checks | tests | pipeline stage | `python3 toxw` | `.ci/run` | needs |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in GATES:
        rows.append(_row(g.env(), g.summary, g.tests, g.stages, g.default, g, g.needs))
        for v in g.variants:
            stages = (v.stage,) if v.stage else ()
            rows.append(_row(g.env(v), v.summary, g.tests, stages, False, v, v.needs))
    return "\n".join(rows) + "\n"


def _row(name, summary, tests, stages, default, runner, needs) -> str:
    ci = "yes" if runner.ci else f"no: {getattr(runner, 'not_in_ci', '') or 'pipeline only'}"
    return (
        f"| `{name}` | {summary} | {f'`{tests}/`' if tests else '(tool)'} | "
        f"{', '.join(stages) or '-'} | {'yes' if default else '-'} | {ci} | "
        f"{', '.join(needs) or '-'} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m harness.gates", description=__doc__)
    parser.add_argument(
        "what", nargs="?", default="table", choices=("table", "ci-envs", "packages")
    )
    args = parser.parse_args(argv)
    if args.what == "ci-envs":
        print("\n".join(ci_envs()))
    elif args.what == "packages":
        print(" ".join(missing_packages(["default", *ci_envs()])))
    else:
        print(table(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
