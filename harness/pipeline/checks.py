"""Structure checks of the expanded pipeline. Each returns a list of problems in words; empty
means the check holds. The tests run them on the real pipeline and on deliberately broken
copies, so each check is shown to be able to fail."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from harness import gates
from harness.common import secret_scan, waivers
from harness.pipeline.model import (
    Pipeline,
    all_jobs,
    as_list,
    inline_variables,
    job_id,
    job_steps,
    jobs,
    read_tox,
    script_of,
    tox_envs_called,
    variable_groups,
)

# The stages, in order, each depending on the one before it.
STAGES = list(gates.STAGES)
ENVIRONMENTS = {"DeployDev": "users-dev", "DeployPrd": "users-prd"}
VARIABLE_GROUPS = {
    "DeployDev": "users-api-dev",
    "VerifyDev": "users-api-dev",
    "DeployPrd": "users-api-prd",
    "VerifyPrd": "users-api-prd",
}
SHARED_GROUPS = {"users-api-build"}  # non-secret build settings, no environment's secrets

IMAGE_ARTIFACT = "image"
DIGEST_FILE = "reports/image-digest.txt"
DIGEST_ARG = re.compile(r"--image-file\s+(\S+)")
BUILD_COMMANDS = re.compile(
    r"docker\s+(?:build|buildx)|podman\s+build|ci_image\.sh\s+build|\bbuildah\b"
)
JUNIT_PATH = re.compile(r"reports/[\w.*-]+\.xml")
PUBLISH_CONDITIONS = {"succeededOrFailed()", "always()"}


def junit_files(env: str) -> list[str]:
    """The JUnit files a gate's tox env writes (harness/gates.py)."""
    if env not in gates.by_env():
        return []
    g, variant = gates.by_env()[env]
    return [f"{env}.xml"] if variant else list(g.junit_files)


def gate_envs_of_step(text: str) -> list[str]:
    """The gate envs one step runs: tox envs, and the pipeline-only gates by their command."""
    found = [e for e in tox_envs_called(text) if e in gates.by_env()]
    found += [name for name, marker in PIPELINE_ONLY.items() if marker in text]
    return found


def _task(step: dict) -> str:
    return str(step.get("task", "")).split("@")[0]


def _where(stage: dict, job: dict, index: int | None = None) -> str:
    text = f"stage {stage.get('stage')}, job {job_id(job)}"
    if index is not None:
        text += f", step {index + 1}"
    return text


# --- stages ----------------------------------------------------------------------------------


# The one condition that keeps a stage outside the release chain off every push and pull request.
MANUAL_ONLY = re.compile(r"eq\(\s*variables\[\s*'Build\.Reason'\s*\]\s*,\s*'Manual'\s*\)")


def check_stage_order(p: Pipeline) -> list[str]:
    """The release stages, in order, each blocking the next; any other stage (infrastructure)
    stays outside that chain."""
    problems = []
    chain = [s for s in p.stages if s.get("stage") in STAGES]
    names = [s.get("stage") for s in chain]
    if names != STAGES:
        problems.append(f"stages are {names}, expected exactly {STAGES} in this order")
    for index, stage in enumerate(chain):
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
    return problems + _outside_the_chain(p)


def _outside_the_chain(p: Pipeline) -> list[str]:
    """A stage that is not a release stage runs only on a manual run, depends on no release
    stage (only on other such stages, or nothing), and no release stage depends on it."""
    problems = []
    others = [s for s in p.stages if s.get("stage") not in STAGES]
    names = {s.get("stage") for s in others}
    for stage in others:
        name = stage.get("stage")
        if "dependsOn" not in stage:
            problems.append(
                f"stage {name} has no dependsOn, so Azure DevOps makes it depend on the stage "
                "before it; a stage outside the release chain needs dependsOn: [] (or only "
                "other stages outside the chain)"
            )
        for dependency in as_list(stage.get("dependsOn")):
            if dependency in STAGES:
                problems.append(
                    f"stage {name} depends on release stage {dependency}: a stage outside the "
                    f"release chain depends on none of {STAGES}"
                )
        condition = str(stage.get("condition", ""))
        if not MANUAL_ONLY.search(condition) or re.search(r"\bor\(|always\(\)", condition):
            problems.append(
                f"stage {name} condition {condition or 'none'!r} does not keep it to manual "
                "runs: a stage outside the release chain needs eq(variables['Build.Reason'], "
                "'Manual'), without or() or always(), so that no push or pull request runs it"
            )
    for stage in p.stages:
        for dependency in as_list(stage.get("dependsOn")):
            if stage.get("stage") in STAGES and dependency in names:
                problems.append(
                    f"release stage {stage.get('stage')} depends on {dependency}, a stage outside "
                    "the release chain: a release would wait for a manual-only stage"
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


def expected_stage_envs() -> dict[str, set[str]]:
    """Which gate envs each stage runs, according to the registry."""
    out: dict[str, set[str]] = {stage: set() for stage in STAGES}
    for g, v in gates.envs():
        for stage in ((v.stage,) if v.stage else ()) if v else g.stages:
            out[stage].add(g.env(v))
    for g in gates.GATES:
        if not g.tox:
            out[g.stage].add(g.name)
    return out


def stage_envs(p: Pipeline) -> dict[str, set[str]]:
    """Which gate envs each stage of the pipeline runs."""
    out = {}
    for stage in p.stages:
        found: set[str] = set()
        for job in jobs(stage):
            for step in job_steps(job):
                found |= set(gate_envs_of_step(script_of(step)))
        out[stage.get("stage")] = found
    return out


def check_gates_invoked(p: Pipeline) -> list[str]:
    """Each stage runs exactly the gates harness/gates.py places in it."""
    problems = []
    actual = stage_envs(p)
    for stage, expected in expected_stage_envs().items():
        found = actual.get(stage, set())
        for env in sorted(expected - found):
            problems.append(f"gate {env!r} (harness/gates.py) is never run by stage {stage}")
        for env in sorted(found - expected):
            problems.append(
                f"stage {stage} runs gate {env!r}, which harness/gates.py does not place there"
            )
    return problems


def check_one_gate_per_step(p: Pipeline) -> list[str]:
    """One gate = one pipeline step: a step that runs two gates hides which one failed."""
    problems = []
    for stage, job in all_jobs(p):
        for index, step in enumerate(job_steps(job)):
            found = gate_envs_of_step(script_of(step))
            if len(found) > 1:
                problems.append(
                    f"{_where(stage, job, index)} runs {', '.join(found)} in one step: "
                    "one gate = one pipeline step"
                )
    return problems


def check_called_envs_exist(p: Pipeline) -> list[str]:
    tox = read_tox(p.root)
    problems = []
    for stage, job in all_jobs(p):
        for index, step in enumerate(job_steps(job)):
            for env in tox_envs_called(script_of(step)):
                if env not in tox:
                    problems.append(
                        f"{_where(stage, job, index)} runs tox env {env!r}, which is not in tox.ini"
                    )
    return problems


SCRIPT_PATH = re.compile(r"\b(?:harness|tests)/[\w./-]+\.(?:py|sh)")


def check_scripts_exist(p: Pipeline) -> list[str]:
    problems = []
    for stage, job in all_jobs(p):
        for index, step in enumerate(job_steps(job)):
            for path in SCRIPT_PATH.findall(script_of(step)):
                if not (p.root / path).is_file():
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


def check_junit_published(p: Pipeline) -> list[str]:
    """Each step that writes JUnit is followed, in its job, by a PublishTestResults that matches
    every file and runs also when the gate failed; coverage is followed by its Cobertura upload."""
    problems = []
    for stage, job in all_jobs(p):
        steps = job_steps(job)
        for index, step in enumerate(steps):
            text = script_of(step)
            envs = tox_envs_called(text)
            explicit = [path.split("/", 1)[1] for path in JUNIT_PATH.findall(text)]
            produced = explicit or [f for env in envs for f in junit_files(env)]
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
    build = p.stage("Build")
    if build is None:
        return ["no stage Build"]
    return [*_digest_recorded(build), *_no_build_after(p, build), *_digest_deployed(p)]


def _digest_recorded(build: dict) -> list[str]:
    problems = []
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
    return problems


def _no_build_after(p: Pipeline, build: dict) -> list[str]:
    problems = []
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
    return problems


def _digest_deployed(p: Pipeline) -> list[str]:
    problems = []
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
            deploys = [s for s in steps if "toxw -e deploy -- apply" in script_of(s)]
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


def check_evidence_verified(p: Pipeline) -> list[str]:
    """Each deployment verifies the digest's signed evidence against its environment's policy
    before it applies anything, and no step trusts a throwaway key (docs/evidence.md)."""
    problems = []
    for stage_name, environment in ENVIRONMENTS.items():
        stage = p.stage(stage_name)
        for job in jobs(stage) if stage else []:
            scripts = [script_of(s) for s in job_steps(job)]
            apply = next((i for i, t in enumerate(scripts) if "toxw -e deploy -- apply" in t), None)
            wanted = f"--environment {environment.removeprefix('users-')}"
            verify = next(
                (i for i, t in enumerate(scripts) if "toxw -e deploy -- verify" in t), None
            )
            if verify is None or wanted not in " ".join(scripts[verify].split()):
                problems.append(f"stage {stage_name} does not verify the evidence ({wanted})")
            elif apply is not None and verify > apply:
                problems.append(f"stage {stage_name} verifies the evidence after it applies")
    for stage, job in all_jobs(p):
        for index, step in enumerate(job_steps(job)):
            if re.search(r"--local-key|attest-local", script_of(step)):
                problems.append(f"{_where(stage, job, index)} trusts a throwaway key")
    return problems


# --- secrets ---------------------------------------------------------------------------------

SECRET_NAME = re.compile(r"(secret|password|passwd|pwd|token|api[_-]?key|private[_-]?key)", re.I)
REFERENCE = re.compile(r"^\s*(\$\(|\$\{\{|\$[A-Z_]|\$\$)")


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
            for path in SCRIPT_PATH.findall(script_of(step)):
                if (p.root / path).is_file():
                    paths.add(p.root / path)
    return sorted(paths)


def check_no_secret_literals(p: Pipeline) -> list[str]:
    """No secret in the pipeline, its templates, or the scripts its steps run."""
    problems = []
    for file in [*p.files, *_scripts_run(p)]:
        problems += secret_scan.found_in(str(file.relative_to(p.root)), file.read_text())
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


# Every check takes the expanded pipeline and returns its problems in words.
ALL_CHECKS = {
    "stage order": check_stage_order,
    "deployments": check_deployments,
    "gates in their stages": check_gates_invoked,
    "one gate per step": check_one_gate_per_step,
    "tox envs exist": check_called_envs_exist,
    "scripts exist": check_scripts_exist,
    "junit published": check_junit_published,
    "digest": check_digest_flow,
    "evidence": check_evidence_verified,
    "secret literals": check_no_secret_literals,
    "variable groups": check_secrets_from_groups,
    "rollback": check_rollback,
}


# --- ignore files of the security gates -------------------------------------------------------


def check_trivy_ignores(path: Path, today) -> list[str]:
    """Every accepted Trivy finding has an id, a statement (why) and an expiry date."""
    return waivers.read(waivers.TRIVY, today, path)[1]


# Gates the pipeline runs without tox, recognised by their command.
PIPELINE_ONLY = {"trivy": "ci_image.sh scan"}


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
        runs_unit = any("unit-postgresql" in tox_envs_called(script_of(s)) for s in job_steps(job))
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


def check_gate_report(p: Pipeline) -> list[str]:
    """Verify dev gathers every stage's reports, runs the gate report expecting every gate the
    pipeline runs, and publishes it for the prd approver."""
    stage = p.stage("VerifyDev")
    if stage is None:
        return ["no stage VerifyDev"]
    run = {gates.gate_of(env) for env in set().union(*stage_envs(p).values())}
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
        if expected == {"pipeline"}:  # the report's name for every gate the registry places
            expected = {g.name for g in gates.GATES}
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
    return ["stage VerifyDev does not run the gate report (python3 toxw -e report)"]


ALL_CHECKS["gate report"] = check_gate_report


CLIENT_ARTIFACT = "users-api-client"
CLIENT_WHEEL = re.compile(r"toxw -e client -- wheel --out (\S+)")


def check_client_published(p: Pipeline) -> list[str]:
    """CI builds the typed client's wheel in the job that runs the contract gate, after that
    gate (which ran the consumer scenario through the same client), and publishes the wheel's
    folder as the artifact users-api-client (docs/contract.md)."""
    stage = p.stage("CI")
    for job in jobs(stage) if stage else []:
        steps = job_steps(job)
        scripts = [script_of(s) for s in steps]
        builds = [i for i, text in enumerate(scripts) if CLIENT_WHEEL.search(text)]
        if not builds:
            continue
        index, problems = builds[0], []
        out = CLIENT_WHEEL.search(scripts[index]).group(1)
        if not any("contract" in tox_envs_called(text) for text in scripts[:index]):
            problems.append(
                f"{_where(stage, job, index)} builds the typed client without running the "
                "contract gate before it in its job: the wheel would be published untested"
            )
        published = [
            (s.get("inputs") or {}).get("targetPath")
            for s in steps[index + 1 :]
            if _task(s) == "PublishPipelineArtifact"
            and (s.get("inputs") or {}).get("artifact") == CLIENT_ARTIFACT
        ]
        if out not in published:
            problems.append(
                f"{_where(stage, job, index)} builds the typed client into {out}, but no later "
                f"step publishes {out} as the artifact {CLIENT_ARTIFACT!r}"
            )
        return problems
    return ["stage CI does not build the typed client (python3 toxw -e client -- wheel --out DIR)"]


ALL_CHECKS["typed client"] = check_client_published
