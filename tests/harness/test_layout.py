"""The layout ARCHITECTURE.md states: tests -> harness -> webapp, nothing imports tests, the
harness's packages import each other without cycles and only by public names, and small
functions. Each rule is checked over the tree, and shown to fail on a small broken example."""

import ast
from pathlib import Path

import pytest

from harness.common.paths import ROOT

PRODUCT = ("webapp", "harness", "bench")
LONGEST_FUNCTION = 60  # lines
# The harness code that may import the service: the manifests gate (probe paths, settings), the
# live server, and the reader of the service's environment variables.
MAY_IMPORT_WEBAPP = ("harness/manifests/", "harness/testing/", "harness/common/env.py")


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


def harness_imports(path: Path, tree: ast.AST) -> list[tuple[str, str]]:
    """(module, name) of every harness module PATH imports; name "" for `import harness.x`,
    and a submodule imported by name (`from harness.contract import npm`) as its module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("harness")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("harness"):
            for alias in node.names:
                submodule = ROOT.joinpath(*node.module.split("."), alias.name)
                if submodule.is_dir() or submodule.with_suffix(".py").is_file():
                    found.append((f"{node.module}.{alias.name}", ""))
                else:
                    found.append((node.module, alias.name))
    return found


def package_of(module: str) -> str:
    """harness.contract.mock -> contract; harness.gates -> gates."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def private_imports(path: Path, tree: ast.AST) -> list[str]:
    """Imports from another harness package of a private name or a __main__ module."""
    own = package_of(module_of(path))
    return [
        f"{path.relative_to(ROOT)} imports {module}" + (f".{name}" if name else "")
        for module, name in harness_imports(path, tree)
        if package_of(module) != own
        and (name.startswith("_") or any(p.startswith("_") for p in module.split(".")))
    ]


def package_cycles(edges: dict[str, set[str]]) -> list[str]:
    """Every cycle of the package graph EDGES, once, as "a -> b -> a"."""
    cycles: set[tuple[str, ...]] = set()

    def walk(node: str, trail: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in trail:
                cycle = trail[trail.index(nxt) :]
                turn = cycle.index(min(cycle))
                cycles.add(tuple(cycle[turn:] + cycle[:turn]))
            else:
                walk(nxt, [*trail, nxt])

    for start in sorted(edges):
        walk(start, [start])
    return sorted(" -> ".join([*c, c[0]]) for c in cycles)


def harness_package_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in python_files("harness"):
        own = package_of(module_of(path))
        for module, _ in harness_imports(path, ast.parse(path.read_text())):
            if package_of(module) not in (own, "harness"):
                edges.setdefault(own, set()).add(package_of(module))
    return edges


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


def test_harness_packages_import_each_other_without_cycles():
    cycles = package_cycles(harness_package_edges())
    assert not cycles, "move what both need into harness/common:\n" + "\n".join(cycles)


def test_harness_packages_import_each_other_only_by_public_names():
    problems = []
    for path in python_files("harness"):
        problems += private_imports(path, ast.parse(path.read_text()))
    assert not problems, "import a public function instead:\n" + "\n".join(problems)


def test_only_the_harness_parts_that_need_the_service_import_it():
    offenders = [
        str(path.relative_to(ROOT))
        for path in python_files("harness")
        if not str(path.relative_to(ROOT)).startswith(MAY_IMPORT_WEBAPP)
        and any(m.split(".")[0] == "webapp" for m in imported_modules(ast.parse(path.read_text())))
    ]
    assert not offenders, (
        f"only {', '.join(MAY_IMPORT_WEBAPP)} import webapp; read what the service states from "
        f"the contract or through harness/common/env.py instead: {offenders}"
    )


def test_no_test_module_imports_another():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files("tests")
        for module in sorted(imported_modules(ast.parse(path.read_text())))
        if module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert not offenders, "share helpers through a conftest or harness/testing:\n" + "\n".join(
        offenders
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


def test_the_cycle_rule_can_fail():
    edges = {"report": {"evidence", "common"}, "evidence": {"report"}, "common": set()}
    assert package_cycles(edges) == ["evidence -> report -> evidence"]
    assert package_cycles({"report": {"evidence"}, "evidence": {"common"}}) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from harness.evidence.__main__ import main\n", "imports harness.evidence.__main__"),
        ("from harness.pipeline.checks import _f\n", "imports harness.pipeline.checks._f"),
        ("from harness.deploy.overlay import _x\n", None),  # its own package's
        ("from harness.evidence import cli\n", None),
    ],
)
def test_the_private_name_rule_can_fail(source, found):
    problems = private_imports(ROOT / "harness" / "deploy" / "x.py", ast.parse(source))
    assert (found in problems[0]) if found else problems == []


def test_the_length_rule_can_fail():
    body = "\n".join(f"    x{i} = {i}" for i in range(LONGEST_FUNCTION))
    tree = ast.parse(f"def long():\n{body}\n")
    assert long_functions(ROOT / "harness" / "x.py", tree) == [
        f"harness/x.py:1 long() has {LONGEST_FUNCTION + 1} lines"
    ]
