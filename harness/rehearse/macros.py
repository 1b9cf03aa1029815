"""Variables as an agent gives them to a step: the predefined ones, the pipeline's, the variable
groups' non-secret values (variable-groups.yaml), `$(...)` macros, and the environment.

Azure DevOps leaves a `$(Name)` that no variable sets as it is; the rehearsal does the same in a
step's `env:` (a secret the group does not hold counts as unset, docs/pipeline.md), but fails a
step whose command or inputs use one, since the command would run with the literal text.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from harness.pipeline.checks import SECRET_NAME

MACRO = re.compile(r"\$\(([A-Za-z_][\w.-]*)\)")
GROUPS_FILE = Path(__file__).with_name("variable-groups.yaml")


def lookup(variables: dict[str, str], name: str) -> str | None:
    for key, value in variables.items():
        if key.lower() == name.lower():
            return value
    return None


def substitute(text: str, variables: dict[str, str]) -> tuple[str, list[str]]:
    """TEXT with every `$(Name)` that a variable sets replaced; and the names no variable set."""
    missing: list[str] = []

    def one(match: re.Match) -> str:
        value = lookup(variables, match.group(1))
        if value is None:
            missing.append(match.group(1))
            return match.group(0)
        return value

    return MACRO.sub(one, text), missing


def resolve(variables: dict[str, str]) -> dict[str, str]:
    """Variables whose values use other variables' macros, resolved (a few rounds, as nested
    references need)."""
    out = dict(variables)
    for _ in range(5):
        changed = False
        for key, value in out.items():
            new, _missing = substitute(value, out)
            if new != value:
                out[key], changed = new, True
        if not changed:
            break
    return out


def env_name(variable: str) -> str:
    """How an agent names a variable in a step's environment: Build.BuildId -> BUILD_BUILDID."""
    return re.sub(r"[^A-Za-z0-9_]", "_", variable).upper()


def read_groups(path: Path = GROUPS_FILE) -> dict[str, dict[str, str]]:
    """The variable groups' non-secret values; a secret-looking name in the file is refused."""
    data = yaml.safe_load(path.read_text()) or {}
    groups: dict[str, dict[str, str]] = {}
    for group, values in data.items():
        for name in values or {}:
            if SECRET_NAME.search(name) or name in {"DATABASE_URL"}:
                raise ValueError(
                    f"{path.name}: {group}.{name} looks like a secret; only non-secret values "
                    "belong in this file (the rehearsal makes throwaway secrets itself)"
                )
        groups[group] = {str(k): str(v) for k, v in (values or {}).items()}
    return groups


def scope_variables(scope: dict, groups: dict[str, dict[str, str]]) -> dict[str, str]:
    """The variables one scope (pipeline, stage or job) defines: its groups' and its own."""
    variables = scope.get("variables")
    out: dict[str, str] = {}
    if isinstance(variables, dict):
        return {str(k): str(v) for k, v in variables.items()}
    for item in variables or []:
        if "group" in item:
            if item["group"] not in groups:
                raise ValueError(
                    f"variable group {item['group']!r} has no entry in {GROUPS_FILE.name}"
                )
            out.update(groups[item["group"]])
        elif "name" in item:
            out[str(item["name"])] = str(item.get("value", ""))
    return out
