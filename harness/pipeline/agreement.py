"""The registry (harness/gates.py) against everything that repeats it: tox.ini, .ci/run, the tests
folders and the gates table of the docs. Each check returns its problems in words; empty means
they agree. (azure-pipelines.yml is checked against the registry in checks.py.)"""

from __future__ import annotations

import re
from pathlib import Path

from harness import gates
from harness.pipeline.model import read_tox, tox_env_list

TABLE_START = "<!-- gates:start -->"
TABLE_END = "<!-- gates:end -->"
JUNIT_MACRO = "{[gate]junit}"


def check_tox_envs(root: Path) -> list[str]:
    """tox.ini has an env for every gate and variant, and no env the registry does not know."""
    tox = read_tox(root)
    problems = [
        f"gate {env!r} (harness/gates.py) has no [testenv:{env}] in tox.ini"
        for env in gates.by_env()
        if env not in tox
    ]
    for env in tox:
        if env not in gates.by_env() and env not in gates.TOOLS:
            problems.append(
                f"tox.ini env {env!r} is neither a gate nor a tool of harness/gates.py: "
                "declare it there"
            )
    default = tox_env_list(root)
    if default != gates.default_envs():
        problems.append(
            f"tox.ini env_list is {default}, harness/gates.py's default gates are "
            f"{gates.default_envs()} (the same, in that order)"
        )
    return problems


def check_tox_commands(root: Path) -> list[str]:
    """Each gate env runs its tests folder and writes its JUnit file where the registry says."""
    tox = read_tox(root)
    problems = []
    for env, (gate, _variant) in gates.by_env().items():
        if env not in tox:
            continue
        commands = tox[env].commands
        if gate.tests and not re.search(rf"(?<![\w/]){re.escape(gate.tests)}\b", commands):
            problems.append(f"tox env {env!r} does not run {gate.tests} (harness/gates.py)")
        writes = (
            JUNIT_MACRO in commands
            or all(f in commands for f in gate.junit_files)
            or "--reports {tox_root}/reports" in commands  # a checker that names its own files
        )
        if gate.junit_files and not writes:
            problems.append(
                f"tox env {env!r} does not write {', '.join(gate.junit_files)} under reports/"
            )
    return problems


def check_tests_folders(root: Path) -> list[str]:
    """Every tests/ folder with test modules is one gate's, and every gate's folder exists."""
    owners = {g.tests: g.name for g in gates.GATES if g.tests}
    problems = [
        f"gate {name!r} names {folder}/, which does not exist"
        for folder, name in owners.items()
        if not (root / folder).is_dir()
    ]
    for folder in sorted(p for p in (root / "tests").iterdir() if p.is_dir()):
        relative = f"tests/{folder.name}"
        if any(folder.glob("test_*.py")) and relative not in owners:
            problems.append(f"{relative}/ holds tests but no gate of harness/gates.py runs it")
    return problems


def check_ci_run(root: Path) -> list[str]:
    """.ci/run runs the README's test command, then the registry's CI envs, coverage, report."""
    text = (root / ".ci" / "run").read_text()
    needed = {
        "python3 toxw\n": "the README's test command, `python3 toxw`",
        "\npython3 toxw -e rehearse -- --here --reuse\n": "the pipeline rehearsal (--here --reuse)",
        "python3 -m harness.gates ci-envs": "the registry's CI envs (`harness.gates ci-envs`)",
        "python3 -m harness.gates packages": "the registry's system packages",
        "python3 toxw -e coverage": "the combined coverage",
        "python3 toxw -e report": "the gate report",
        "export GATE_RUN_ID": "one run id for every gate (GATE_RUN_ID)",
    }
    return [f".ci/run does not run {what}" for line, what in needed.items() if line not in text]


def table_in(text: str) -> str | None:
    if TABLE_START not in text or TABLE_END not in text:
        return None
    return text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip("\n") + "\n"


def check_docs_table(path: Path) -> list[str]:
    """The gates table of a document is the one the registry generates."""
    found = table_in(path.read_text()) if path.is_file() else None
    name = path.name
    if found is None:
        return [f"{name} has no gates table between {TABLE_START} and {TABLE_END}"]
    if found != gates.table():
        return [
            f"{name}'s gates table differs from harness/gates.py: paste the output of "
            "`python3 -m harness.gates` between its markers"
        ]
    return []


ALL = {
    "tox envs": check_tox_envs,
    "tox commands": check_tox_commands,
    "tests folders": check_tests_folders,
    ".ci/run": check_ci_run,
}
