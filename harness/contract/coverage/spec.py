"""What the contract promises, as rows the coverage matrix counts.

- every documented response: (operation, method, path template, status, media type);
- every constraint on a request body: (operation, property, keyword), where the keywords are
  the ones a body can break (type, minLength, maxLength, pattern, required,
  additionalProperties); the body's own ``type`` is the property "(body)";
- which recorded path is which operation: the documented template, or the same route without
  its trailing slash (the service answers both; docs/api.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness.common.paths import CONTRACT

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
KEYWORDS = ("type", "minLength", "maxLength", "pattern")
BODY = "(body)"
# The documentation the service serves beside the API: listed apart, never counted as undeclared.
DOCS_PREFIXES = ("/api/schema", "/api/docs", "/api/redoc", "/static/")


@dataclass(frozen=True)
class Operation:
    id: str
    method: str  # upper case
    path: str  # the template, e.g. /api/users/{id}/
    responses: dict[str, tuple[str, ...]]  # status -> documented media types
    body_schema: dict | None  # the JSON request body's schema, $refs resolved
    schemas: dict[tuple[str, str], dict] = field(default_factory=dict)  # (status, media) -> it

    @property
    def pattern(self) -> re.Pattern:
        parts = re.split(r"(\{[^}]+\})", self.path.rstrip("/"))
        regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        return re.compile(f"{regex}/?")


@dataclass(frozen=True)
class Contract:
    operations: tuple[Operation, ...]
    raw: dict

    def operation(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method and op.pattern.fullmatch(path):
                return op
        return None

    def methods_at(self, path: str) -> list[str]:
        return [op.method for op in self.operations if op.pattern.fullmatch(path)]

    def documented(self) -> list[dict]:
        return [
            {
                "operation": op.id,
                "method": op.method,
                "path": op.path,
                "status": status,
                "media_type": media,
            }
            for op in self.operations
            for status, medias in op.responses.items()
            for media in medias
        ]

    def constraints(self) -> list[dict]:
        return [
            {"operation": op.id, "property": prop, "keyword": keyword}
            for op in self.operations
            if op.body_schema
            for prop, keyword in body_constraints(op.body_schema)
        ]


def is_docs(path: str) -> bool:
    return path.startswith(DOCS_PREFIXES)


def _resolve(node, raw: dict):
    """The node with every local $ref replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = raw
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _resolve(target, raw)
        return {k: _resolve(v, raw) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, raw) for v in node]
    return node


def body_constraints(schema: dict) -> list[tuple[str, str]]:
    """(property, keyword) of each constraint a JSON body can break, in the schema's order."""
    found = [(BODY, "type")] if "type" in schema else []
    for prop, sub in (schema.get("properties") or {}).items():
        found += [(prop, k) for k in KEYWORDS if k in sub]
    found += [(prop, "required") for prop in schema.get("required", [])]
    if schema.get("additionalProperties") is False:
        found.append((BODY, "additionalProperties"))
    return found


def _operation(method: str, path: str, op: dict, raw: dict) -> Operation:
    resolved = _resolve(op.get("responses", {}), raw)
    responses = {
        str(status): tuple((response.get("content") or {"": None}).keys())
        for status, response in resolved.items()
    }
    schemas = {
        (str(status), media): (content or {}).get("schema") or {}
        for status, response in resolved.items()
        for media, content in (response.get("content") or {}).items()
    }
    body = _resolve(op.get("requestBody") or {}, raw)
    json_body = (body.get("content") or {}).get("application/json") or {}
    return Operation(
        op.get("operationId", f"{method} {path}"),
        method.upper(),
        path,
        {status: tuple(m for m in medias if m) or ("",) for status, medias in responses.items()},
        json_body.get("schema"),
        schemas,
    )


def load(path: Path = CONTRACT) -> Contract:
    raw = yaml.safe_load(path.read_text())
    operations = tuple(
        _operation(method, route, op, raw)
        for route, item in (raw.get("paths") or {}).items()
        for method, op in item.items()
        if method in METHODS
    )
    return Contract(operations, raw)
