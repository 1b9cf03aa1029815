"""Structure checks of the expanded pipeline. Each returns a list of problems in words; empty
means the check holds. The tests run them on the real pipeline and on deliberately broken
copies, so each check is shown to be able to fail."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from tests.pipeline.model import (
    Pipeline,
    ToxEnv,
    all_jobs,
    as_list,
    inline_variables,
    job_id,
    job_steps,
    jobs,
    script_of,
    tox_envs_called,
    variable_groups,
)

# The stages, in order, each depending on the one before it.
STAGES = ["CI", "Build", "DeployDev", "VerifyDev", "DeployPrd", "VerifyPrd"]
ENVIRONMENTS = {"DeployDev": "users-dev", "DeployPrd": "users-prd"}
VARIABLE_GROUPS = {
    "DeployDev": "users-api-dev",
    "VerifyDev": "users-api-dev",
    "DeployPrd": "users-api-prd",
    "VerifyPrd": "users-api-prd",
}
SHARED_GROUPS = {"users-api-build"}  # non-secret build settings, no environment's secrets

# tox envs that are tools, not gates. An env whose description says "(not a gate)" is one too.
NON_GATES = {"serve", "contract-regenerate", "report", "deploy"}

# Gates the team agreed on (CONVENTIONS.md) with the JUnit files each writes. Used for a gate
# that is not (yet) in this checkout's tox.ini; tox.ini wins where it declares the env.
AGREED_GATES = {
    "lint": ["lint.xml"],
    "unit": ["unit.xml"],
    "coverage": ["coverage-tests.xml"],
    "contract": ["contract.xml"],
    "smoke": ["smoke.xml"],
    "reliability": ["reliability.xml"],
    "image": ["image.xml"],
    "manifests": ["manifests.xml"],
    "hpa": ["hpa.xml"],
    "hpa-selftest": ["hpa-selftest.xml"],
    "capacity": ["capacity.xml"],
    "pipeline": ["pipeline.xml"],
    "audit": ["audit.xml"],
}

IMAGE_ARTIFACT = "image"
DIGEST_FILE = "reports/image-digest.txt"
DIGEST_ARG = re.compile(r"--image-file\s+(\S+)")
BUILD_COMMANDS = re.compile(
    r"docker\s+(?:build|buildx)|podman\s+build|ci_image\.sh\s+build|\bbuildah\b"
)
JUNIT_PATH = re.compile(r"reports/[\w.*-]+\.xml")
PUBLISH_CONDITIONS = {"succeededOrFailed()", "always()"}


def is_gate(env: ToxEnv) -> bool:
    """A gate writes its verdict under reports/; a tool (serve, a helper env) writes none, or
    says "(not a gate)" in its description."""
    return (
        env.name not in NON_GATES
        and "not a gate" not in env.description.lower()
        and "reports" in env.commands
    )


def gates(tox: dict[str, ToxEnv]) -> list[str]:
    return [name for name, env in tox.items() if is_gate(env)]


def junit_files(env: str, tox: dict[str, ToxEnv]) -> list[str]:
    """JUnit files a tox env writes: read from its commands in tox.ini, else the agreed ones."""
    if env in tox:
        found = []
        for path in JUNIT_PATH.findall(tox[env].commands):
            name = path.split("/", 1)[1]
            if name == "coverage.xml":  # Cobertura, published by PublishCodeCoverageResults
                continue
            found.append(name)
        if found:
            return list(dict.fromkeys(found))
    return AGREED_GATES.get(env, [])


def _task(step: dict) -> str:
    return str(step.get("task", "")).split("@")[0]


def _where(stage: dict, job: dict, index: int | None = None) -> str:
    text = f"stage {stage.get('stage')}, job {job_id(job)}"
    if index is not None:
        text += f", step {index + 1}"
    return text


# --- stages ----------------------------------------------------------------------------------


def check_stage_order(p: Pipeline) -> list[str]:
    problems = []
    names = [s.get("stage") for s in p.stages]
    if names != STAGES:
        problems.append(f"stages are {names}, expected exactly {STAGES} in this order")
    for index, stage in enumerate(p.stages):
        name = stage.get("stage")
        depends = as_list(stage.get("dependsOn"))
        expected = [names[index - 1]] if index else []
        if depends != expected:
            problems.append(
                f"stage {name} dependsOn {depends or 'nothing'}, expected {expected or 'nothing'}:"
                " each stage must block the next"
            )
        condition = str(stage.get("condition", "succeeded()"))
        if "succeeded()" not in condition or re.search(r"always\(\)|failed\(\)", condition):
            problems.append(
                f"stage {name} condition {condition!r} lets it run when an earlier stage failed"
            )
    return problems


def check_deployments(p: Pipeline) -> list[str]:
    problems = []
    for stage_name, environment in ENVIRONMENTS.items():
        stage = p.stage(stage_name)
        if stage is None:
            problems.append(f"no stage {stage_name}")
            continue
        deployments = [j for j in jobs(stage) if "deployment" in j]
        if not deployments:
            problems.append(f"stage {stage_name} has no deployment job")
        for job in deployments:
            env = job.get("environment")
            env_name = env.get("name") if isinstance(env, dict) else env
            if env_name != environment:
                problems.append(
                    f"stage {stage_name}: deployment {job_id(job)} uses environment "
                    f"{env_name!r}, expected {environment!r}"
                )
        plain = [job_id(j) for j in jobs(stage) if "deployment" not in j]
        if plain:
            problems.append(f"stage {stage_name} deploys with plain jobs {plain}, not deployments")
    prd = p.stage("DeployPrd")
    if prd is not None and "VerifyDev" not in as_list(prd.get("dependsOn")):
        problems.append("stage DeployPrd does not depend on VerifyDev")
    for stage, job in all_jobs(p):
        env = job.get("environment")
        env_name = env.get("name") if isinstance(env, dict) else env
        if env_name == "users-prd" and stage.get("stage") != "DeployPrd":
            problems.append(f"{_where(stage, job)} targets users-prd outside DeployPrd")
    return problems


# --- gates -----------------------------------------------------------------------------------


def _scripts_of_env(env: ToxEnv) -> set[str]:
    return set(re.findall(r"scripts/[\w./-]+\.(?:py|sh)", env.commands))


def check_gates_invoked(p: Pipeline, tox: dict[str, ToxEnv]) -> list[str]:
    """Every gate in tox.ini runs somewhere: as `tox -e GATE`, or through the script it runs."""
    called: set[str] = set()
    texts = []
    for _stage, job in all_jobs(p):
        for step in job_steps(job):
            text = script_of(step)
            texts.append(text)
            called |= set(tox_envs_called(text))
    problems = []
    for gate in gates(tox):
        if gate in called:
            continue
        scripts = _scripts_of_env(tox[gate])
        if scripts and any(s in t for s in scripts for t in texts):
            continue
        problems.append(f"gate {gate!r} (tox.ini) is never run by the pipeline")
    return problems


def check_called_envs_exist(p: Pipeline, tox: dict[str, ToxEnv]) -> list[str]:
    problems = []
    for stage, job in all_jobs(p):
        for index, step in enumerate(job_steps(job)):
            for env in tox_envs_called(script_of(step)):
                if env not in tox and env not in AGREED_GATES:
                    problems.append(
                        f"{_where(stage, job, index)} runs tox env {env!r}, which is neither in "
                        "tox.ini nor an agreed gate"
                    )
    return problems


def check_scripts_exist(p: Pipeline, pending: set[str]) -> list[str]:
    problems = []
    for stage, job in all_jobs(p):
        for index, step in enumerate(job_steps(job)):
            for path in re.findall(r"\b(?:scripts|tests)/[\w./-]+\.(?:py|sh)", script_of(step)):
                if not (p.root / path).is_file() and path not in pending:
                    problems.append(
                        f"{_where(stage, job, index)} runs {path}, which does not exist"
                    )
    return problems


def _publishes(step: dict, name: str) -> bool:
    if _task(step) != "PublishTestResults":
        return False
    inputs = step.get("inputs") or {}
    if str(inputs.get("testResultsFormat", "JUnit")) != "JUnit":
        return False
    patterns = [line.strip() for line in str(inputs.get("testResultsFiles", "")).splitlines()]
    for pattern in filter(None, patterns):
        pattern = pattern.replace("$(System.DefaultWorkingDirectory)/", "")
        candidates = {pattern, pattern.removeprefix("**/")}
        if any(fnmatch.fnmatch(f"reports/{name}", c) for c in candidates):
            return True
    return False


def check_junit_published(p: Pipeline, tox: dict[str, ToxEnv]) -> list[str]:
    """Each step that writes JUnit is followed, in its job, by a PublishTestResults that matches
    every file and runs also when the gate failed; coverage is followed by its Cobertura upload."""
    problems = []
    for stage, job in all_jobs(p):
        steps = job_steps(job)
        for index, step in enumerate(steps):
            text = script_of(step)
            envs = tox_envs_called(text)
            explicit = [path.split("/", 1)[1] for path in JUNIT_PATH.findall(text)]
            produced = explicit or [f for env in envs for f in junit_files(env, tox)]
            later = steps[index + 1 :]
            for name in produced:
                publishers = [s for s in later if _publishes(s, name)]
                if not publishers:
                    problems.append(
                        f"{_where(stage, job, index)} writes reports/{name} but no later "
                        "PublishTestResults step publishes it"
                    )
                elif not any(str(s.get("condition")) in PUBLISH_CONDITIONS for s in publishers):
                    problems.append(
                        f"{_where(stage, job, index)}: reports/{name} is published only when the "
                        "gate passed; the publish step needs condition succeededOrFailed()"
                    )
            if "coverage" in envs and not any(
                _task(s) == "PublishCodeCoverageResults"
                and str((s.get("inputs") or {}).get("summaryFileLocation", "")).endswith(
                    "coverage.xml"
                )
                and str((s.get("inputs") or {}).get("codeCoverageTool", "Cobertura")) == "Cobertura"
                for s in later
            ):
                problems.append(
                    f"{_where(stage, job, index)} runs coverage but no later "
                    "PublishCodeCoverageResults publishes reports/coverage.xml (Cobertura)"
                )
    return problems


# --- the image digest ------------------------------------------------------------------------


def check_digest_flow(p: Pipeline) -> list[str]:
    """Build pushes and records the digest; dev and prd deploy that recorded digest, and nothing
    after Build builds an image."""
    problems = []
    build = p.stage("Build")
    if build is None:
        return ["no stage Build"]
    recorded = False
    for job in jobs(build):
        steps = job_steps(job)
        for index, step in enumerate(steps):
            inputs = step.get("inputs") or {}
            if (
                _task(step) == "PublishPipelineArtifact"
                and inputs.get("artifact") == IMAGE_ARTIFACT
            ):
                if inputs.get("targetPath") != DIGEST_FILE:
                    problems.append(
                        f"Build publishes artifact {IMAGE_ARTIFACT!r} from "
                        f"{inputs.get('targetPath')!r}, expected {DIGEST_FILE}"
                    )
                if not any("ci_image.sh push" in script_of(s) for s in steps[:index]):
                    problems.append(
                        f"Build publishes artifact {IMAGE_ARTIFACT!r} without pushing first"
                    )
                recorded = True
    if not recorded:
        problems.append(f"Build does not record the image digest as artifact {IMAGE_ARTIFACT!r}")

    after_build = p.stages[p.stages.index(build) + 1 :]
    for stage in after_build:
        for job in jobs(stage):
            for index, step in enumerate(job_steps(job)):
                if BUILD_COMMANDS.search(script_of(step)) or (
                    _task(step) == "Docker"
                    and str((step.get("inputs") or {}).get("command", ""))
                    in {"build", "buildAndPush"}
                ):
                    problems.append(f"{_where(stage, job, index)} builds an image after Build")

    digests = {}
    for stage_name in ENVIRONMENTS:
        stage = p.stage(stage_name)
        if stage is None:
            continue
        for job in jobs(stage):
            steps = job_steps(job)
            downloads = [
                s for s in steps if s.get("download") == "current" and s.get("artifact") == "image"
            ]
            deploys = [s for s in steps if "toxw -e deploy" in script_of(s)]
            if not downloads:
                problems.append(f"stage {stage_name} does not download the `image` artifact")
            if len(deploys) != 1:
                problems.append(f"stage {stage_name} has {len(deploys)} deploy steps, expected 1")
                continue
            arg = DIGEST_ARG.search(script_of(deploys[0]))
            if not arg:
                problems.append(f"stage {stage_name} deploys without --image-file")
                continue
            digests[stage_name] = arg.group(1)
            if arg.group(1) != f"$(Pipeline.Workspace)/{IMAGE_ARTIFACT}/image-digest.txt":
                problems.append(
                    f"stage {stage_name} deploys {arg.group(1)}, not the digest recorded by Build "
                    f"($(Pipeline.Workspace)/{IMAGE_ARTIFACT}/image-digest.txt)"
                )
    if len(set(digests.values())) > 1:
        problems.append(f"dev and prd deploy different images: {digests}")
    return problems


# --- secrets ---------------------------------------------------------------------------------

SECRET_NAME = re.compile(r"(secret|password|passwd|pwd|token|api[_-]?key|private[_-]?key)", re.I)
REFERENCE = re.compile(r"^\s*(\$\(|\$\{\{|\$[A-Z_]|\$\$)")
SECRET_PATTERNS = {
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "an AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    "an Azure storage key or SAS": re.compile(r"AccountKey=|[?&]sig=[A-Za-z0-9%]{20,}"),
    "a password in a URL": re.compile(r"://[^/\s:@$]+:(?!\$\()[^@\s/]+@"),
    "a JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\."),
}


def _secret_assignments(node, path: str, out: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if isinstance(value, str | int | float) and SECRET_NAME.search(str(key)):
                text = str(value)
                if text.strip() and not REFERENCE.match(text):
                    out.append(f"{here} is set to a literal value; take it from a variable group")
            _secret_assignments(value, here, out)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if (
                isinstance(item, dict)
                and "name" in item
                and "value" in item
                and SECRET_NAME.search(str(item["name"]))
                and not REFERENCE.match(str(item["value"]))
            ):
                out.append(
                    f"{path}[{index}] variable {item['name']} is set in YAML; secrets come "
                    "only from the environment's variable group"
                )
            _secret_assignments(item, f"{path}[{index}]", out)


def _scripts_run(p: Pipeline) -> list[Path]:
    paths = set()
    for _stage, job in all_jobs(p):
        for step in job_steps(job):
            for path in re.findall(r"\bscripts/[\w./-]+\.(?:py|sh)", script_of(step)):
                if (p.root / path).is_file():
                    paths.add(p.root / path)
    return sorted(paths)


def check_no_secret_literals(p: Pipeline) -> list[str]:
    """No secret in the pipeline, its templates, or the scripts its steps run."""
    problems = []
    for file in [*p.files, *_scripts_run(p)]:
        text = file.read_text()
        name = file.relative_to(p.root)
        for label, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{name}:{line} contains {label}")
    out: list[str] = []
    _secret_assignments(p.doc, "$", out)
    problems += out
    return problems


def check_secrets_from_groups(p: Pipeline) -> list[str]:
    """dev stages take only users-api-dev's secrets, prd stages only users-api-prd's; a step
    that reads a secret maps it from a variable of the group in its stage."""
    problems = []
    for stage, job in all_jobs(p):
        name = stage.get("stage")
        groups = variable_groups(stage, job) - SHARED_GROUPS
        expected = VARIABLE_GROUPS.get(name)
        if expected is None:
            if groups:
                problems.append(f"stage {name} uses environment variable groups {sorted(groups)}")
            continue
        if groups != {expected}:
            problems.append(
                f"{_where(stage, job)} uses variable groups {sorted(groups) or 'none'}, "
                f"expected only {expected!r}"
            )
        for index, step in enumerate(job_steps(job)):
            for var, value in (step.get("env") or {}).items():
                if var in {"DJANGO_SECRET_KEY", "DATABASE_URL"} and value != f"$({var})":
                    problems.append(
                        f"{_where(stage, job, index)} sets {var} to {value!r}, not $({var}) "
                        "from the variable group"
                    )
    for scope in [p.doc, *p.stages]:
        inline = inline_variables(scope)
        for var in ("DJANGO_SECRET_KEY", "DATABASE_URL"):
            if var in inline:
                problems.append(f"{var} is defined inline in the YAML, not in a variable group")
    return problems


def check_rollback(p: Pipeline) -> list[str]:
    """Verify prd runs the read-only smoke and, when it fails, rolls back."""
    stage = p.stage("VerifyPrd")
    if stage is None:
        return ["no stage VerifyPrd"]
    problems = []
    for job in jobs(stage):
        readonly = inline_variables(job).get("SMOKE_READONLY") or inline_variables(stage).get(
            "SMOKE_READONLY"
        )
        steps = job_steps(job)
        smoke = [i for i, s in enumerate(steps) if "smoke" in tox_envs_called(script_of(s))]
        if not smoke:
            problems.append(f"{_where(stage, job)} does not run the smoke gate")
            continue
        if readonly != "1":
            problems.append(f"{_where(stage, job)} runs smoke without SMOKE_READONLY=1")
        rollback = [
            s
            for s in steps[smoke[-1] + 1 :]
            if "rollback" in script_of(s) and str(s.get("condition")) == "failed()"
        ]
        if not rollback:
            problems.append(
                f"{_where(stage, job)} has no rollback step with condition failed() after smoke"
            )
    return problems


ALL_CHECKS = {
    "stage order": check_stage_order,
    "deployments": check_deployments,
    "digest": check_digest_flow,
    "secret literals": check_no_secret_literals,
    "variable groups": check_secrets_from_groups,
    "rollback": check_rollback,
}


def pending_scripts(root: Path) -> set[str]:
    """Scripts another gate provides (scripts/image.py, written with `tox -e image`)."""
    return {"scripts/image.py"}


# --- ignore files of the security gates -------------------------------------------------------

TRIVY_SECTIONS = ("vulnerabilities", "misconfigurations", "secrets", "licenses")


def check_trivy_ignores(path: Path, today) -> list[str]:
    """Every accepted Trivy finding has an id, a statement (why) and an expiry date."""
    import datetime as dt

    import yaml

    data = yaml.safe_load(path.read_text()) or {}
    problems = []
    unknown = set(data) - set(TRIVY_SECTIONS)
    if unknown:
        problems.append(f"{path.name}: unknown sections {sorted(unknown)}")
    for section in TRIVY_SECTIONS:
        for index, entry in enumerate(data.get(section) or []):
            where = f"{path.name} {section} entry {index + 1} ({entry.get('id', 'no id')})"
            missing = [k for k in ("id", "statement", "expired_at") if not entry.get(k)]
            if missing:
                problems.append(f"{where}: missing {', '.join(missing)}")
                continue
            expires = entry["expired_at"]
            if not isinstance(expires, dt.date):
                try:
                    expires = dt.date.fromisoformat(str(expires))
                except ValueError:
                    problems.append(f"{where}: expired_at {expires!r} is not YYYY-MM-DD")
                    continue
            if expires < today:
                problems.append(f"{where}: expired on {expires}")
    return problems


# --- the README's stage table ----------------------------------------------------------------

PIPELINE_ONLY = {"trivy": "ci_image.sh scan", "image": "scripts/image.py"}


def stage_gates(p: Pipeline, names: set[str]) -> dict[str, set[str]]:
    """The tox envs (and pipeline-only gates) each stage runs."""
    out = {}
    for stage in p.stages:
        found: set[str] = set()
        for job in jobs(stage):
            for step in job_steps(job):
                text = script_of(step)
                found |= {e for e in tox_envs_called(text) if e in names}
                found |= {gate for gate, marker in PIPELINE_ONLY.items() if marker in text}
        out[stage.get("stage")] = found
    return out


def readme_stage_table(text: str, names: set[str]) -> dict[str, set[str]]:
    section = text.split("## Azure DevOps pipeline", 1)[-1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] in STAGES:
            rows[cells[0]] = set(re.findall(r"`([^`]+)`", cells[1])) & names
    return rows


def check_readme_stage_table(p: Pipeline, readme: str, tox: dict[str, ToxEnv]) -> list[str]:
    names = set(tox) | set(AGREED_GATES) | set(PIPELINE_ONLY)
    documented = readme_stage_table(readme, names)
    problems = []
    for stage, gates_run in stage_gates(p, names).items():
        if stage not in documented:
            problems.append(f"README's pipeline table has no row for stage {stage}")
        elif documented[stage] != gates_run:
            problems.append(
                f"README says stage {stage} runs {sorted(documented[stage])}, the pipeline runs "
                f"{sorted(gates_run)}"
            )
    return problems


def check_postgres_service(p: Pipeline) -> list[str]:
    """CI runs the unit gate against a PostgreSQL service container, via DATABASE_URL."""
    containers = {
        c.get("container"): c for c in (p.doc.get("resources") or {}).get("containers") or []
    }
    ci = p.stage("CI")
    if ci is None:
        return ["no stage CI"]
    for job in jobs(ci):
        services = job.get("services") or {}
        images = {
            alias: str(containers.get(ref, {}).get("image", "")) for alias, ref in services.items()
        }
        postgres = [alias for alias, image in images.items() if image.startswith("postgres:")]
        runs_unit = any("unit" in tox_envs_called(script_of(s)) for s in job_steps(job))
        url = inline_variables(job).get("DATABASE_URL", "")
        if postgres and runs_unit and re.match(r"postgres(ql)?://[^/]*@?localhost:5432/", url):
            return []
    return [
        "no CI job runs the unit gate with DATABASE_URL on a PostgreSQL service container "
        "(resources.containers image postgres:*, mapped to localhost:5432)"
    ]


ALL_CHECKS["postgres service"] = check_postgres_service


def check_scripts_fail_fast(p: Pipeline) -> list[str]:
    """A multi-line script step stops at its first failing line (Azure runs bash without -e)."""
    problems = []
    for stage, job in all_jobs(p):
        for index, step in enumerate(job_steps(job)):
            lines = [line for line in script_of(step).splitlines() if line.strip()]
            commands = [
                line
                for line in lines
                if not line.rstrip().endswith("\\") and not line.lstrip().startswith("#")
            ]
            if len(commands) > 1 and not re.search(r"^\s*set -e", "\n".join(lines), re.M):
                problems.append(
                    f"{_where(stage, job, index)} runs {len(commands)} commands without "
                    "`set -e`: a failing command would not fail the step"
                )
    return problems


ALL_CHECKS["fail fast"] = check_scripts_fail_fast


def check_gate_report(p: Pipeline, tox: dict[str, ToxEnv]) -> list[str]:
    """Verify dev gathers every stage's reports, runs the gate report expecting every gate the
    pipeline runs, and publishes it for the prd approver."""
    stage = p.stage("VerifyDev")
    if stage is None:
        return ["no stage VerifyDev"]
    names = set(tox) | set(AGREED_GATES) | set(PIPELINE_ONLY)
    run = set().union(*stage_gates(p, names).values())
    run = {g for g in run if g not in NON_GATES and not (g in tox and not is_gate(tox[g]))}
    problems = []
    for job in jobs(stage):
        steps = job_steps(job)
        reports = [i for i, s in enumerate(steps) if "report" in tox_envs_called(script_of(s))]
        if not reports:
            continue
        index = reports[0]
        text = script_of(steps[index])
        if not any(s.get("download") == "current" for s in steps[:index]):
            problems.append(
                "the gate report runs before the earlier stages' reports are downloaded"
            )
        if "--collect" not in text:
            problems.append("the gate report does not --collect the earlier stages' reports")
        expect = re.search(r"--expect\s+(\S+)", text)
        expected = set(expect.group(1).split(",")) if expect else set()
        for gate in sorted(run - expected):
            problems.append(
                f"the gate report does not expect {gate!r}, so a missing {gate} report would pass"
            )
        published = [
            s
            for s in steps[index + 1 :]
            if _task(s) == "PublishPipelineArtifact"
            and (s.get("inputs") or {}).get("targetPath") == "reports/gate-report.md"
            and str(s.get("condition")) in PUBLISH_CONDITIONS
        ]
        if not published:
            problems.append(
                "the gate report is not published as an artifact (condition succeededOrFailed())"
            )
        return problems
    return ["stage VerifyDev does not run the gate report (tox -e report)"]
