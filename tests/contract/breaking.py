"""Breaking-change diff of two OpenAPI 3.0 documents, in words a consumer understands.

A change breaks a consumer when it is one of:
- a removed path or operation;
- a removed response field (or one that stops being required) in a success response, or a changed
  response field type;
- a narrowed type or a tightened constraint on input (request body, parameters): another type,
  a smaller maxLength / maximum / maxItems, a larger minLength / minimum / minItems, a new or
  changed pattern, enum or format, additionalProperties turned off;
- a new required request field or parameter, or a request body that becomes required;
- a removed or changed success (2xx) status, or a removed success media type.

Only local ``#/...`` references are followed (drf-spectacular writes nothing else).
tests/contract/test_breaking.py runs it against the base branch and tests every rule.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Input constraints: (keyword, "max" when lowering it tightens, "min" when raising it tightens).
BOUNDS = {
    "maxLength": "max",
    "maximum": "max",
    "maxItems": "max",
    "maxProperties": "max",
    "minLength": "min",
    "minimum": "min",
    "minItems": "min",
    "minProperties": "min",
}


def _resolve(doc: dict, node):
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            break
        seen.add(ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node if isinstance(node, dict) else {}


def _types(schema: dict) -> set[str]:
    kind = schema.get("type")
    types = set(kind) if isinstance(kind, list) else ({kind} if kind else set())
    if schema.get("nullable"):
        types.add("null")
    return types


def _within(inner: set[str], outer: set[str]) -> bool:
    """Every value of the ``inner`` types is also one of the ``outer`` types."""
    return all(kind in outer or (kind == "integer" and "number" in outer) for kind in inner)


class Differ:
    def __init__(self, old: dict, new: dict):
        self.old, self.new = old, new
        self.breaks: list[str] = []

    def report(self, message: str) -> None:
        self.breaks.append(message)

    # --- schemas -------------------------------------------------------------------------------
    def input_schema(self, old, new, where: str, depth: int = 0) -> None:
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        if depth > 20 or (not old and not new):
            return
        old_types, new_types = _types(old), _types(new)
        if new_types and (not old_types or not _within(old_types, new_types)):
            shown = ", ".join(sorted(old_types)) or "any type"
            self.report(
                f"{where}: accepted type narrowed from {shown} to {', '.join(sorted(new_types))}"
            )
        for keyword, kind in BOUNDS.items():
            before, after = old.get(keyword), new.get(keyword)
            if after is None or before == after:
                continue
            if before is None or (after < before if kind == "max" else after > before):
                self.report(f"{where}: {keyword} tightened from {before} to {after}")
        for keyword in ("pattern", "format"):
            if new.get(keyword) is not None and new.get(keyword) != old.get(keyword):
                self.report(
                    f"{where}: {keyword} changed from {old.get(keyword)!r} to {new.get(keyword)!r}"
                )
        if "enum" in new:
            dropped = [value for value in old.get("enum", new["enum"]) if value not in new["enum"]]
            if "enum" not in old or dropped:
                self.report(f"{where}: accepted values restricted to {new['enum']!r}")
        if (
            new.get("additionalProperties") is False
            and old.get("additionalProperties") is not False
        ):
            self.report(f"{where}: extra properties are no longer accepted")
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(new_required - old_required):
            self.report(f"{where}: new required request field '{name}'")
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for name in sorted(old_props.keys() & new_props.keys()):
            self.input_schema(old_props[name], new_props[name], f"{where}.{name}", depth + 1)
        if "items" in old and "items" in new:
            self.input_schema(old["items"], new["items"], f"{where}[]", depth + 1)

    def output_schema(self, old, new, where: str, depth: int = 0) -> None:
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        if depth > 20 or not old:
            return
        old_types, new_types = _types(old), _types(new)
        if old_types and new_types and not _within(new_types, old_types):
            self.report(
                f"{where}: response type changed from {', '.join(sorted(old_types))} "
                f"to {', '.join(sorted(new_types))}"
            )
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        new_required = set(new.get("required", []))
        for name in sorted(old_props):
            if name not in new_props:
                self.report(f"{where}: response field '{name}' was removed")
            elif name in old.get("required", []) and name not in new_required:
                self.report(f"{where}: response field '{name}' is no longer always present")
            else:
                self.output_schema(old_props[name], new_props[name], f"{where}.{name}", depth + 1)
        if "items" in old and "items" in new:
            self.output_schema(old["items"], new["items"], f"{where}[]", depth + 1)

    # --- operations ----------------------------------------------------------------------------
    def operation(self, old: dict, new: dict, label: str) -> None:
        old_params = {
            (p.get("in"), p.get("name")): p for p in map(self._old, old.get("parameters", []))
        }
        for param in map(self._new, new.get("parameters", [])):
            key = (param.get("in"), param.get("name"))
            where = f"{label} {key[0]} parameter '{key[1]}'"
            if key not in old_params:
                if param.get("required"):
                    self.report(f"{where}: new required parameter")
                continue
            if param.get("required") and not old_params[key].get("required"):
                self.report(f"{where}: became required")
            self.input_schema(old_params[key].get("schema", {}), param.get("schema", {}), where)
        old_body, new_body = (
            self._old(old.get("requestBody", {})),
            self._new(new.get("requestBody", {})),
        )
        if new_body.get("required") and old_body and not old_body.get("required"):
            self.report(f"{label}: the request body became required")
        new_content = new_body.get("content", {})
        for media, old_media in old_body.get("content", {}).items():
            if media not in new_content:
                self.report(f"{label}: request media type {media} is no longer accepted")
                continue
            where = f"{label} request body ({media})"
            self.input_schema(
                old_media.get("schema", {}), new_content[media].get("schema", {}), where
            )
        new_responses = new.get("responses", {})
        for status, old_response in old.get("responses", {}).items():
            if not str(status).startswith("2"):
                continue
            if status not in new_responses:
                self.report(f"{label}: success status {status} was removed or changed")
                continue
            old_content = self._old(old_response).get("content", {})
            new_content = self._new(new_responses[status]).get("content", {})
            for media, old_media in old_content.items():
                where = f"{label} {status} response ({media})"
                if media not in new_content:
                    self.report(f"{where}: media type no longer returned")
                    continue
                self.output_schema(
                    old_media.get("schema", {}), new_content[media].get("schema", {}), where
                )

    def _old(self, node):
        return _resolve(self.old, node)

    def _new(self, node):
        return _resolve(self.new, node)

    def run(self) -> list[str]:
        new_paths = self.new.get("paths", {})
        for path, old_item in self.old.get("paths", {}).items():
            if path not in new_paths:
                self.report(f"path {path} was removed")
                continue
            for method in METHODS:
                if method not in old_item:
                    continue
                label = f"{method.upper()} {path}"
                if method not in new_paths[path]:
                    self.report(f"operation {label} was removed")
                    continue
                self.operation(old_item[method], new_paths[path][method], label)
        return self.breaks


def breaking_changes(old: dict, new: dict) -> list[str]:
    return Differ(old, new).run()


def major(document: dict) -> int | None:
    version = str(document.get("info", {}).get("version", ""))
    head = version.lstrip("vV").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def major_bumped(old: dict, new: dict) -> bool:
    before, after = major(old), major(new)
    return before is not None and after is not None and after > before


# --- git ---------------------------------------------------------------------------------------
class BaseNotFound(RuntimeError):
    pass


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def resolve_base(root: Path, ref: str) -> tuple[str, str]:
    """(the ref that resolved, its commit). Tries REF, then origin/REF, then a shallow fetch."""
    for candidate in (ref, f"origin/{ref}"):
        result = _git(root, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
        if result.returncode == 0:
            return candidate, result.stdout.strip()
    fetched = _git(root, "fetch", "--quiet", "--depth=1", "origin", ref)
    if fetched.returncode == 0:
        result = _git(root, "rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}")
        if result.returncode == 0:
            return f"origin/{ref} (fetched)", result.stdout.strip()
    raise BaseNotFound(
        f"the base ref {ref!r} is not in this clone, nor origin/{ref}, and fetching it failed. "
        f"Fetch it (git fetch origin {ref}) or name another base with CONTRACT_BASE_REF."
    )


def base_contract(root: Path, commit: str, relpath: str) -> str | None:
    result = _git(root, "show", f"{commit}:{relpath}")
    return result.stdout if result.returncode == 0 else None
