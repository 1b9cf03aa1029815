"""azure-pipelines.yml as Azure DevOps compiles it: templates expanded, parameters substituted.

Only what this repository's pipeline uses is supported: `template:` references in stage, job
and step lists, typed `parameters:` with defaults, and `${{ parameters.NAME }}` substitution.
Anything else that is a compile-time expression (`${{ if }}`, `${{ each }}`) is refused, so the
structure checks never reason about a pipeline they have not fully expanded.

The structure checks keep the other `${{ expression }}` values (in `variables:`) as written; the
rehearsal (harness/rehearse) passes `expressions=`, a function that evaluates one for a given
trigger, and gets them replaced by their values, as Azure DevOps does when it compiles a run.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PARAM = re.compile(r"\$\{\{\s*parameters\.([A-Za-z_]\w*)\s*\}\}")
WHOLE_PARAM = re.compile(r"^\s*\$\{\{\s*parameters\.([A-Za-z_]\w*)\s*\}\}\s*$")
TEMPLATE_BODIES = ("stages", "jobs", "steps")


class PipelineError(Exception):
    """The pipeline cannot be expanded (missing template, unknown parameter, ...)."""


@dataclass
class Pipeline:
    root: Path
    doc: dict
    files: list[Path] = field(default_factory=list)  # main file and every template used

    @property
    def stages(self) -> list[dict]:
        return self.doc.get("stages") or []

    def stage(self, name: str) -> dict | None:
        return next((s for s in self.stages if s.get("stage") == name), None)


def _substitute(node, params: dict, where: str):
    if isinstance(node, str):
        whole = WHOLE_PARAM.match(node)
        if whole:
            name = whole.group(1)
            if name not in params:
                raise PipelineError(f"{where}: unknown parameter {name!r}")
            return params[name]

        def one(match: re.Match) -> str:
            if match.group(1) not in params:
                raise PipelineError(f"{where}: unknown parameter {match.group(1)!r}")
            return str(params[match.group(1)])

        return PARAM.sub(one, node)
    if isinstance(node, list):
        return [_substitute(item, params, where) for item in node]
    if isinstance(node, dict):
        return {
            _substitute(k, params, where): _substitute(v, params, where) for k, v in node.items()
        }
    return node


def _refuse_expressions(node, where: str) -> None:
    if isinstance(node, str) and "${{" in node and "parameters." not in node:
        if re.search(r"\$\{\{\s*(if|each|else|elseif)\b", node):
            raise PipelineError(f"{where}: compile-time {node!r} is not supported by the checks")
    elif isinstance(node, dict):
        for key, value in node.items():
            _refuse_expressions(key, where)
            _refuse_expressions(value, where)
    elif isinstance(node, list):
        for item in node:
            _refuse_expressions(item, where)


def _load_template(path: Path, given: dict, root: Path, files: list[Path]) -> list:
    if not path.is_file():
        raise PipelineError(f"template {path.relative_to(root)} does not exist")
    files.append(path)
    doc = yaml.safe_load(path.read_text()) or {}
    where = str(path.relative_to(root))
    declared = {p["name"]: p for p in doc.get("parameters") or []}
    unknown = set(given) - set(declared)
    if unknown:
        raise PipelineError(f"{where}: given undeclared parameters {sorted(unknown)}")
    params = {}
    for name, spec in declared.items():
        if name in given:
            params[name] = given[name]
        elif "default" in spec:
            params[name] = spec["default"]
        else:
            raise PipelineError(f"{where}: required parameter {name!r} not given")
    body_keys = [k for k in TEMPLATE_BODIES if k in doc]
    if len(body_keys) != 1:
        raise PipelineError(f"{where}: a template must have exactly one of {TEMPLATE_BODIES}")
    body = _substitute(doc[body_keys[0]], params, where)
    _refuse_expressions(body, where)
    return _expand(body, path.parent, root, files)


def _expand(node, base: Path, root: Path, files: list[Path]):
    if isinstance(node, list):
        out = []
        for item in node:
            if (
                isinstance(item, dict)
                and "template" in item
                and len(set(item) - {"template", "parameters"}) == 0
            ):
                out.extend(
                    _load_template(
                        (base / item["template"]).resolve(),
                        item.get("parameters") or {},
                        root,
                        files,
                    )
                )
            else:
                out.append(_expand(item, base, root, files))
        return out
    if isinstance(node, dict):
        return {k: _expand(v, base, root, files) for k, v in node.items()}
    return node


EXPRESSION = re.compile(r"^\s*\$\{\{(.*)\}\}\s*$", re.S)


def evaluate_expressions(node, evaluate):
    """Every value that is a whole `${{ expression }}`, replaced by evaluate(expression)."""
    if isinstance(node, str):
        whole = EXPRESSION.match(node)
        return evaluate(whole.group(1).strip()) if whole else node
    if isinstance(node, list):
        return [evaluate_expressions(item, evaluate) for item in node]
    if isinstance(node, dict):
        return {k: evaluate_expressions(v, evaluate) for k, v in node.items()}
    return node


def load(root: Path, main: str = "azure-pipelines.yml", expressions=None) -> Pipeline:
    root = Path(root).resolve()
    path = root / main
    if not path.is_file():
        raise PipelineError(f"{main} does not exist")
    doc = yaml.safe_load(path.read_text()) or {}
    if "extends" in doc:
        raise PipelineError(f"{main}: `extends` is not supported by the checks")
    _refuse_expressions({k: v for k, v in doc.items() if k != "variables"}, main)
    files = [path]
    expanded = _expand(doc, root, root, files)
    if expressions is not None:
        expanded = evaluate_expressions(expanded, expressions)
    return Pipeline(root=root, doc=expanded, files=files)


# --- walking the expanded pipeline ---------------------------------------------------------


def jobs(stage: dict) -> list[dict]:
    return stage.get("jobs") or []


def job_id(job: dict) -> str:
    return job.get("job") or job.get("deployment") or "?"


def job_steps(job: dict) -> list[dict]:
    """Steps of a job, or of every lifecycle hook of a deployment job, in order."""
    if "steps" in job:
        return job["steps"] or []
    steps: list[dict] = []
    for strategy in (job.get("strategy") or {}).values():
        for hook in ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic"):
            steps += ((strategy or {}).get(hook) or {}).get("steps") or []
        for outcome in ((strategy or {}).get("on") or {}).values():
            steps += (outcome or {}).get("steps") or []
    return steps


def all_jobs(pipeline: Pipeline):
    for stage in pipeline.stages:
        for job in jobs(stage):
            yield stage, job


# Tasks whose `inlineScript` input is a script this repository writes (the Terraform steps).
INLINE_SCRIPT_TASKS = ("AzureCLI",)


def script_of(step: dict) -> str:
    for key in ("script", "bash", "pwsh", "powershell"):
        if key in step:
            return str(step[key])
    inputs = step.get("inputs") or {}
    if str(step.get("task", "")).split("@")[0] in INLINE_SCRIPT_TASKS:
        return str(inputs.get("inlineScript", ""))
    return ""


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def variable_groups(*scopes: dict) -> set[str]:
    groups = set()
    for scope in scopes:
        variables = scope.get("variables")
        if isinstance(variables, list):
            groups |= {v["group"] for v in variables if isinstance(v, dict) and "group" in v}
    return groups


def inline_variables(scope: dict) -> dict[str, str]:
    variables = scope.get("variables")
    if isinstance(variables, dict):
        return {str(k): str(v) for k, v in variables.items()}
    if isinstance(variables, list):
        return {
            str(v["name"]): str(v.get("value", ""))
            for v in variables
            if isinstance(v, dict) and "name" in v
        }
    return {}


# --- tox.ini -------------------------------------------------------------------------------

TOX_CALL = re.compile(r"\btox(?:w)?\s+(?:[^|;&\n]*?\s)?-e\s*([\w,.-]+)")


def tox_envs_called(text: str) -> list[str]:
    """tox envs that a shell command runs (`tox -e a,b` or `python3 toxw -e a,b`); an env only
    set up (`--notest`) is not run."""
    envs: list[str] = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0]
        if "--notest" in line:
            continue
        for match in TOX_CALL.finditer(line):
            envs += [e for e in match.group(1).split(",") if e]
    return envs


@dataclass
class ToxEnv:
    name: str
    description: str
    commands: str


GENERATIVE = re.compile(r"^([^{]*)\{([^}]*)\}(.*)$")


def expand_env_names(section_name: str) -> list[str]:
    """tox's generative section names: `unit{,-postgresql}` is `unit` and `unit-postgresql`."""
    match = GENERATIVE.match(section_name)
    if not match:
        return [section_name]
    head, choices, tail = match.groups()
    return [name for c in choices.split(",") for name in expand_env_names(head + c + tail)]


def read_tox(root: Path) -> dict[str, ToxEnv]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(Path(root) / "tox.ini")
    envs = {}
    for section in parser.sections():
        if section.startswith("testenv:"):
            for name in expand_env_names(section.split(":", 1)[1]):
                envs[name] = ToxEnv(
                    name=name,
                    description=parser.get(section, "description", fallback=""),
                    commands=parser.get(section, "commands", fallback=""),
                )
    return envs


def tox_env_list(root: Path) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(Path(root) / "tox.ini")
    return [e for e in re.split(r"[,\s]+", parser.get("tox", "env_list", fallback="")) if e]
