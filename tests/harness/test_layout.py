"""The layout ARCHITECTURE.md states: tests -> harness -> webapp, nothing imports tests, and small
functions. Each rule is checked over the tree, and shown to fail on a small broken example."""

import ast
from pathlib import Path

import pytest

from harness.common.paths import ROOT

PRODUCT = ("webapp", "harness", "bench")
LONGEST_FUNCTION = 60  # lines


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def layer_problems(path: Path, tree: ast.AST) -> list[str]:
    layer = path.relative_to(ROOT).parts[0]
    forbidden = {"webapp": ("tests", "harness", "bench"), "harness": ("tests", "bench")}
    forbidden["bench"] = ("tests",)
    return [
        f"{path.relative_to(ROOT)} ({layer}) imports {module}"
        for module in sorted(imported_modules(tree))
        if module.split(".")[0] in forbidden.get(layer, ())
    ]


def long_functions(path: Path, tree: ast.AST, limit: int = LONGEST_FUNCTION) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}() has "
        f"{node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > limit
    ]


def test_imports_follow_the_layers():
    problems = []
    for path in python_files(*PRODUCT):
        problems += layer_problems(path, ast.parse(path.read_text()))
    assert not problems, "tests -> harness -> webapp; nothing imports tests:\n" + "\n".join(
        problems
    )


def test_no_module_is_loaded_from_a_file_path():
    offenders = [
        str(p.relative_to(ROOT))
        for p in python_files(*PRODUCT, "tests")
        if "spec_from_file" + "_location" in p.read_text()
    ]
    assert not offenders, f"import these as modules instead: {offenders}"


def test_tests_hold_only_test_modules_conftests_and_doubles():
    allowed = {"conftest.py", "__init__.py"}
    strays = [
        str(p.relative_to(ROOT))
        for p in python_files("tests")
        if p.name not in allowed and not p.name.startswith("test_") and "fake" not in p.name
    ]
    assert not strays, f"product code belongs in harness/, not tests/: {strays}"


def test_no_function_is_longer_than_the_limit():
    problems = []
    for path in python_files("webapp", "harness", "tests", "bench"):
        problems += long_functions(path, ast.parse(path.read_text()))
    assert not problems, "split these into smaller functions:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("where", "source", "found"),
    [
        ("harness/x.py", "from tests.unit import helpers\n", "imports tests.unit"),
        ("webapp/x.py", "import harness.gates\n", "imports harness.gates"),
        ("harness/x.py", "from webapp.users import selectors\n", None),
    ],
)
def test_the_layer_rule_can_fail(where, source, found):
    problems = layer_problems(ROOT / where, ast.parse(source))
    assert (found in problems[0]) if found else problems == []


def test_the_length_rule_can_fail():
    body = "\n".join(f"    x{i} = {i}" for i in range(LONGEST_FUNCTION))
    tree = ast.parse(f"def long():\n{body}\n")
    assert long_functions(ROOT / "harness" / "x.py", tree) == [
        f"harness/x.py:1 long() has {LONGEST_FUNCTION + 1} lines"
    ]
