"""What the manifests are checked against in the service itself: the URLs it serves, the port
its image listens on, and the environment variables its code reads.
"""

from __future__ import annotations

import ast
import re

from harness.manifests.render import ROOT

# Files whose environment reads are the service's configuration.
CONFIG_SOURCES = ("webapp",)
# Readers of a variable by name: the settings' helpers, os.environ.get/getenv.
ENV_READERS = {"env_str", "env_bool", "env_int", "env_list", "getenv"}


def resolves(path: str) -> str | None:
    """None when the app's URL configuration serves ``path``, else why not."""
    from django.urls import Resolver404, resolve

    from webapp.api.views import not_found

    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return "matches no URL pattern"
    if match.func is not_found or getattr(match.func, "__wrapped__", None) is not_found:
        return "is answered only by the catch-all 404 view"
    return None


def image_port() -> tuple[int, str]:
    """The port the image listens on: the Dockerfile's ENV PORT, else webapp/server.py's default."""
    dockerfile = ROOT / "Dockerfile"
    if dockerfile.exists():
        text = dockerfile.read_text().replace("\\\n", " ")  # join continued lines
        found = re.search(r"^\s*ENV\b.*?\bPORT[= ]\"?(\d+)", text, re.MULTILINE)
        if found:
            return int(found.group(1)), "the Dockerfile's ENV PORT"
    tree = ast.parse((ROOT / "webapp" / "server.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "env_int"
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "PORT"
        ):
            return node.args[1].value, "webapp/server.py's default PORT"
    raise AssertionError("cannot find the image's PORT in the Dockerfile or webapp/server.py")


def _name_read(node: ast.AST) -> str | None:
    """The variable NODE reads by name: a reader called with a constant, or os.environ[...]."""
    name = None
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        called = getattr(func, "id", None) or getattr(func, "attr", None)
        is_environ_get = (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and getattr(func.value, "attr", None) == "environ"
        )
        if called in ENV_READERS or is_environ_get:
            name = node.args[0].value
    elif (
        isinstance(node, ast.Subscript)
        and getattr(node.value, "attr", None) == "environ"
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.ctx, ast.Load)
    ):
        name = node.slice.value
    return name if isinstance(name, str) else None


def env_names_read_by_code() -> dict[str, str]:
    """Every environment variable the service's code reads by name -> where it is read."""
    files = []
    for entry in CONFIG_SOURCES:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    names: dict[str, str] = {}
    for file in files:
        for node in ast.walk(ast.parse(file.read_text())):
            name = _name_read(node)
            if name is not None:
                names.setdefault(name, f"{file.relative_to(ROOT)}:{node.lineno}")
    return names
