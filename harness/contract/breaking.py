"""The diff of two OpenAPI 3.0 documents: every change, with a rule id, a severity and words.

Each change names its endpoint (``METHOD PATH``, a path, or the document), the field or parameter
it is about, and one rule of RULES, whose severity is one of:

- breaking: a consumer written against the old document fails against the new one. These are:
  a removed path or operation (unless deprecated and past its ``x-sunset`` date); a removed
  response field (same exception), one that stops being required, or one whose type changed; a
  narrowed type or a tightened constraint on input (request body, parameters): another type, a
  smaller maxLength / maximum / maxItems, a larger minLength / minimum / minItems, a new or
  changed pattern, enum or format, additionalProperties turned off; a new required request field
  or parameter, or a request body that becomes required; a removed or changed success (2xx)
  status, a removed success media type, a removed response header; a changed operationId.
- deprecation: something is marked deprecated (with its sunset date), its sunset date moved, or
  it was removed after its sunset date, as announced.
- non-breaking: an addition or a relaxation a consumer may use and need not notice.
- annotation: words, examples and other attributes that change no request or response.

Only local ``#/...`` references are followed (drf-spectacular writes nothing else).
tests/contract/test_breaking.py runs it against the base branch and tests every rule;
harness/contract/changelog.py writes the changes for consumers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from harness.common import git
from harness.common import waivers as waiver_files
from harness.contract import patterns

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
SEVERITIES = ("breaking", "deprecation", "non-breaking", "annotation")
WORDS = ("description", "summary", "title", "externalDocs", "tags")
EXAMPLES = ("example", "examples")
# The response headers that announce a deprecation: they come and go with it.
DEPRECATION_HEADERS = {"deprecation", "sunset", "link"}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    meaning: str  # what it means for a consumer, in one sentence


_STILL_WORKS = "It still works; stop relying on it before its sunset date."
_REMOVED_EARLY = (
    "It was deprecated, but consumers were promised it until its sunset date, which has not come."
)
_AS_ANNOUNCED = "Removed as announced: it was deprecated and its sunset date has passed."


_FIXED_ROWS = [
    # breaking
    ("path-removed", "breaking", "Every call to this path fails."),
    ("operation-removed", "breaking", "Calls to this operation fail."),
    ("operation-removed-before-sunset", "breaking", _REMOVED_EARLY),
    (
        "operation-id-changed",
        "breaking",
        "Clients generated from the contract name this call by its operationId; theirs no "
        "longer matches.",
    ),
    ("response-property-removed", "breaking", "Clients that read this field no longer get it."),
    ("response-property-removed-before-sunset", "breaking", _REMOVED_EARLY),
    (
        "response-property-became-optional",
        "breaking",
        "Clients that expect this field in every response may not get it.",
    ),
    (
        "response-type-changed",
        "breaking",
        "Clients that parse this value as before may fail on the new type.",
    ),
    (
        "response-status-removed",
        "breaking",
        "Clients that handle this success status get another one.",
    ),
    (
        "response-media-type-removed",
        "breaking",
        "Clients that ask for this media type no longer get it.",
    ),
    ("response-header-removed", "breaking", "Clients that read this header no longer get it."),
    (
        "request-property-added-required",
        "breaking",
        "Requests without this field are refused.",
    ),
    (
        "request-property-became-required",
        "breaking",
        "Requests without this field are refused.",
    ),
    (
        "request-property-removed-refused",
        "breaking",
        "Requests that still send this field are refused: extra fields are not accepted.",
    ),
    ("request-body-became-required", "breaking", "Requests without a body are refused."),
    (
        "request-media-type-removed",
        "breaking",
        "Requests sent with this media type are refused.",
    ),
    ("parameter-added-required", "breaking", "Requests without this parameter are refused."),
    ("parameter-became-required", "breaking", "Requests without this parameter are refused."),
    # deprecation
    ("operation-removed-after-sunset", "deprecation", _AS_ANNOUNCED),
    ("response-property-removed-after-sunset", "deprecation", _AS_ANNOUNCED),
    # non-breaking
    ("path-added", "non-breaking", "A new path clients may call."),
    ("operation-added", "non-breaking", "A new operation clients may call."),
    (
        "response-property-added",
        "non-breaking",
        "A new field in the response; clients that ignore unknown fields are unaffected.",
    ),
    (
        "response-property-became-required",
        "non-breaking",
        "The field is now in every response.",
    ),
    (
        "response-type-narrowed",
        "non-breaking",
        "The value is now always of one of the types it could already have.",
    ),
    (
        "response-constraint-changed",
        "non-breaking",
        "The documented bounds of a response value changed (length, range, pattern, values).",
    ),
    (
        "response-status-added",
        "non-breaking",
        "A newly documented status; clients should handle it (as any other of its class).",
    ),
    (
        "response-error-status-removed",
        "non-breaking",
        "An error status is no longer documented; clients that handle it are unaffected.",
    ),
    ("response-media-type-added", "non-breaking", "A new media type clients may ask for."),
    ("response-header-added", "non-breaking", "A new response header clients may read."),
    (
        "error-response-changed",
        "non-breaking",
        "The body of an error response changed; clients should rely on its `detail` only.",
    ),
    (
        "request-property-added-optional",
        "non-breaking",
        "A new optional field clients may send.",
    ),
    (
        "request-property-became-optional",
        "non-breaking",
        "Clients may leave this field out from now on.",
    ),
    (
        "request-property-removed",
        "non-breaking",
        "The field is no longer documented; the service ignores it when sent.",
    ),
    ("request-body-became-optional", "non-breaking", "Clients may leave the body out."),
    ("request-media-type-added", "non-breaking", "A new media type clients may send."),
    ("parameter-added-optional", "non-breaking", "A new optional parameter clients may send."),
    ("parameter-became-optional", "non-breaking", "Clients may leave this parameter out."),
    (
        "parameter-removed",
        "non-breaking",
        "The parameter is no longer documented; the service ignores it when sent.",
    ),
    # annotation
    ("info-version-changed", "annotation", "The contract's version number changed."),
    (
        "documentation-changed",
        "annotation",
        "Words only (description, summary, title, tags): requests and responses are as before.",
    ),
    (
        "example-changed",
        "annotation",
        "An example changed: requests and responses are as before.",
    ),
    (
        "attribute-changed",
        "annotation",
        "Another documented attribute changed (links, style, x- extensions, ...); read it.",
    ),
]


def _input_rows() -> list[tuple[str, str, str]]:
    rows = []
    for kind, thing in (("request", "request field"), ("parameter", "parameter")):
        rows += [
            (
                f"{kind}-type-narrowed",
                "breaking",
                f"Requests that send this {thing} with another type are refused.",
            ),
            (
                f"{kind}-constraint-tightened",
                "breaking",
                f"Some values of this {thing} accepted until now are refused.",
            ),
            (
                f"{kind}-pattern-changed",
                "breaking",
                f"Values of this {thing} are checked against another pattern; some accepted "
                "until now may be refused.",
            ),
            (
                f"{kind}-format-changed",
                "breaking",
                f"Values of this {thing} must have another format.",
            ),
            (
                f"{kind}-enum-restricted",
                "breaking",
                f"This {thing} accepts fewer values; the others are refused.",
            ),
            (
                f"{kind}-additional-properties-disallowed",
                "breaking",
                "Requests with fields the contract does not list are refused.",
            ),
            (f"{kind}-type-widened", "non-breaking", f"This {thing} accepts more types."),
            (
                f"{kind}-constraint-relaxed",
                "non-breaking",
                f"This {thing} accepts more values than before.",
            ),
        ]
    return rows


def _deprecation_rows() -> list[tuple[str, str, str]]:
    rows = []
    for kind, thing in (
        ("operation", "operation"),
        ("response-property", "response field"),
        ("request-property", "request field"),
        ("parameter", "parameter"),
    ):
        rows += [
            (f"{kind}-deprecated", "deprecation", _STILL_WORKS),
            (
                f"{kind}-sunset-changed",
                "deprecation",
                f"The date after which this {thing} may be removed changed.",
            ),
            (
                f"{kind}-deprecation-withdrawn",
                "non-breaking",
                f"This {thing} is no longer deprecated: it stays.",
            ),
        ]
    return rows


def _rows() -> list[tuple[str, str, str]]:
    return [*_FIXED_ROWS, *_input_rows(), *_deprecation_rows()]


RULES = {rule.id: rule for rule in (Rule(*row) for row in _rows())}


@dataclass(frozen=True)
class Change:
    rule: str
    endpoint: str  # "GET /api/users/", a path, or "" for the document as a whole
    message: str  # the change in words, naming where it is
    field: str = ""  # the field (a.b) or parameter it is about, if any
    sunset: str = ""  # the sunset date, for deprecations

    @property
    def severity(self) -> str:
        return RULES[self.rule].severity

    @property
    def meaning(self) -> str:
        return RULES[self.rule].meaning

    def as_dict(self) -> dict:
        data = {
            "rule": self.rule,
            "severity": self.severity,
            "endpoint": self.endpoint,
            "message": self.message,
            "meaning": self.meaning,
        }
        if self.field:
            data["field"] = self.field
        if self.sunset:
            data["sunset"] = self.sunset
        return data


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


def _same(keyword: str, old, new) -> bool:
    if keyword == "pattern" and isinstance(old, str) and isinstance(new, str):
        return patterns.same(old, new)
    return old == new


def _within(inner: set[str], outer: set[str]) -> bool:
    """Every value of the ``inner`` types is also one of the ``outer`` types."""
    return all(kind in outer or (kind == "integer" and "number" in outer) for kind in inner)


def _shown(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def sunset_of(*nodes) -> dt.date | None:
    """The ``x-sunset`` date of the first node that has a valid one."""
    for node in nodes:
        value = node.get("x-sunset") if isinstance(node, dict) else None
        if isinstance(value, dt.date):
            return value
        try:
            if value is not None:
                return dt.date.fromisoformat(str(value))
        except ValueError:
            continue
    return None


def _deprecated(*nodes) -> bool:
    return any(isinstance(node, dict) and node.get("deprecated") for node in nodes)


def _dotted(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


# Schema keywords the differ reads itself; any other one that changes is an attribute-changed.
HANDLED = {
    "type",
    "nullable",
    *BOUNDS,
    "pattern",
    "format",
    "enum",
    "additionalProperties",
    "required",
    "properties",
    "items",
    "deprecated",
    "x-sunset",
    *WORDS,
    *EXAMPLES,
}


class Differ:
    def __init__(self, old: dict, new: dict, today: dt.date | None = None):
        self.old, self.new = old, new
        self.today = today or dt.datetime.now(dt.UTC).date()
        self.changes: list[Change] = []
        self.endpoint = ""

    def report(self, rule: str, message: str, field: str = "", sunset=None) -> None:
        if rule not in RULES:
            raise KeyError(f"{rule!r} is not a rule of harness/contract/breaking.py")
        self.changes.append(
            Change(rule, self.endpoint, message, field, sunset.isoformat() if sunset else "")
        )

    # --- what is shared by every kind of node --------------------------------------------------
    def words(self, old: dict, new: dict, where: str, keys=WORDS) -> None:
        for key in keys:
            if old.get(key) != new.get(key):
                self.report("documentation-changed", f"{where}: {key} changed", "")
        for key in EXAMPLES:
            if old.get(key) != new.get(key):
                self.report("example-changed", f"{where}: {key} changed")

    def others(self, old: dict, new: dict, where: str, known: set[str], field: str = "") -> None:
        for key in sorted(set(old) | set(new), key=str):
            if key in known or old.get(key) == new.get(key):
                continue
            self.report(
                "attribute-changed",
                f"{where}: {key} changed from {_shown(old.get(key))} to {_shown(new.get(key))}",
                field,
            )

    def deprecation(self, kind, old_nodes, new_nodes, where: str, field: str = "") -> None:
        """A deprecation that appears, goes, or whose sunset date moves."""
        before, after = _deprecated(*old_nodes), _deprecated(*new_nodes)
        old_sunset, new_sunset = sunset_of(*old_nodes), sunset_of(*new_nodes)
        if after and not before:
            when = f"sunset {new_sunset}" if new_sunset else "no sunset date yet"
            self.report(f"{kind}-deprecated", f"{where}: deprecated ({when})", field, new_sunset)
        elif before and not after:
            self.report(f"{kind}-deprecation-withdrawn", f"{where}: no longer deprecated", field)
        elif after and old_sunset != new_sunset:
            self.report(
                f"{kind}-sunset-changed",
                f"{where}: sunset date changed from {old_sunset or 'none'} to "
                f"{new_sunset or 'none'}",
                field,
                new_sunset,
            )

    def removed(self, kind: str, message: str, nodes, field: str = "") -> None:
        """A removal: allowed once the old document's deprecation has reached its sunset date."""
        sunset = sunset_of(*nodes)
        if not _deprecated(*nodes):
            self.report(f"{kind}-removed", message, field)
        elif sunset is None:
            self.report(
                f"{kind}-removed", f"{message} (deprecated, but with no x-sunset date)", field
            )
        elif sunset <= self.today:
            self.report(
                f"{kind}-removed-after-sunset",
                f"{message} after its sunset date {sunset}, as announced",
                field,
                sunset,
            )
        else:
            self.report(
                f"{kind}-removed-before-sunset",
                f"{message} before its sunset date {sunset}",
                field,
                sunset,
            )

    # --- schemas -------------------------------------------------------------------------------
    def input_schema(self, old, new, where: str, kind: str, field: str = "", depth: int = 0):
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        if depth > 20 or (not old and not new):
            return
        self.words(old, new, where, ("description", "title"))
        self.others(old, new, where, HANDLED, field)
        self.input_types(old, new, where, kind, field)
        self.input_bounds(old, new, where, kind, field)
        self.input_extras(old, new, where, kind, field, depth)
        self.input_properties(old, new, where, field, depth)
        if "items" in old and "items" in new:
            self.input_schema(old["items"], new["items"], f"{where}[]", kind, field, depth + 1)

    def input_types(self, old, new, where, kind, field) -> None:
        old_types, new_types = _types(old), _types(new)
        if new_types and (not old_types or not _within(old_types, new_types)):
            shown = ", ".join(sorted(old_types)) or "any type"
            self.report(
                f"{kind}-type-narrowed",
                f"{where}: accepted type narrowed from {shown} to {', '.join(sorted(new_types))}",
                field,
            )
        elif old_types != new_types:
            shown = ", ".join(sorted(new_types)) or "any type"
            self.report(
                f"{kind}-type-widened",
                f"{where}: accepted type widened from {', '.join(sorted(old_types))} to {shown}",
                field,
            )

    def input_bounds(self, old, new, where, kind, field) -> None:
        """Bounds, pattern, format and enum: tightened, changed or relaxed."""
        for keyword, bound in BOUNDS.items():
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if after is not None and (
                before is None or (after < before if bound == "max" else after > before)
            ):
                self.report(
                    f"{kind}-constraint-tightened",
                    f"{where}: {keyword} tightened from {before} to {after}",
                    field,
                )
            else:
                self.report(
                    f"{kind}-constraint-relaxed",
                    f"{where}: {keyword} relaxed from {before} to {after}",
                    field,
                )
        for keyword in ("pattern", "format"):
            before, after = old.get(keyword), new.get(keyword)
            if _same(keyword, before, after):
                continue
            if after is not None:
                self.report(
                    f"{kind}-{keyword}-changed",
                    f"{where}: {keyword} changed from {before!r} to {after!r}",
                    field,
                )
            else:
                self.report(
                    f"{kind}-constraint-relaxed", f"{where}: {keyword} {before!r} removed", field
                )
        if "enum" in new:
            dropped = [value for value in old.get("enum", new["enum"]) if value not in new["enum"]]
            if "enum" not in old or dropped:
                self.report(
                    f"{kind}-enum-restricted",
                    f"{where}: accepted values restricted to {new['enum']!r}",
                    field,
                )
            elif old["enum"] != new["enum"]:
                added = [value for value in new["enum"] if value not in old["enum"]]
                self.report(
                    f"{kind}-constraint-relaxed", f"{where}: accepts the values {added!r}", field
                )
        elif "enum" in old:
            self.report(f"{kind}-constraint-relaxed", f"{where}: any value accepted now", field)

    def input_extras(self, old, new, where, kind, field, depth) -> None:
        before, after = old.get("additionalProperties"), new.get("additionalProperties")
        if after is False and before is not False:
            self.report(
                f"{kind}-additional-properties-disallowed",
                f"{where}: extra properties are no longer accepted",
                field,
            )
        elif before is False and after is not False:
            self.report(
                f"{kind}-constraint-relaxed", f"{where}: extra properties are accepted", field
            )
        elif isinstance(before, dict) and isinstance(after, dict):
            self.input_schema(before, after, f"{where}{{*}}", kind, field, depth + 1)
        elif before != after:
            self.report(
                "attribute-changed",
                f"{where}: additionalProperties changed from {_shown(before)} to {_shown(after)}",
                field,
            )

    def input_properties(self, old, new, where, field, depth) -> None:
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for name in sorted(new_required - old_required):
            if name in old_props:
                self.report(
                    "request-property-became-required",
                    f"{where}: request field '{name}' became required",
                    _dotted(field, name),
                )
            else:
                self.report(
                    "request-property-added-required",
                    f"{where}: new required request field '{name}'",
                    _dotted(field, name),
                )
        for name in sorted(old_required - new_required):
            if name in new_props:
                self.report(
                    "request-property-became-optional",
                    f"{where}: request field '{name}' is optional now",
                    _dotted(field, name),
                )
        for name in sorted(new_props.keys() - old_props.keys() - new_required):
            self.report(
                "request-property-added-optional",
                f"{where}: new optional request field '{name}'",
                _dotted(field, name),
            )
        for name in sorted(old_props.keys() - new_props.keys()):
            refused = new.get("additionalProperties") is False
            self.report(
                "request-property-removed-refused" if refused else "request-property-removed",
                f"{where}: request field '{name}' was removed"
                + (", and extra fields are refused" if refused else ""),
                _dotted(field, name),
            )
        for name in sorted(old_props.keys() & new_props.keys()):
            raw_old, raw_new = old_props[name], new_props[name]
            self.deprecation(
                "request-property",
                (raw_old, _resolve(self.old, raw_old)),
                (raw_new, _resolve(self.new, raw_new)),
                f"{where}: request field '{name}'",
                _dotted(field, name),
            )
            self.input_schema(
                raw_old, raw_new, f"{where}.{name}", "request", _dotted(field, name), depth + 1
            )

    def output_schema(self, old, new, where: str, field: str = "", depth: int = 0) -> None:
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        if depth > 20 or (not old and not new):
            return
        if not old:
            self.report("attribute-changed", f"{where}: a schema is documented now", field)
            return
        self.words(old, new, where, ("description", "title"))
        self.others(old, new, where, HANDLED, field)
        old_types, new_types = _types(old), _types(new)
        if old_types and (not new_types or not _within(new_types, old_types)):
            self.report(
                "response-type-changed",
                f"{where}: response type changed from {', '.join(sorted(old_types))} "
                f"to {', '.join(sorted(new_types)) or 'any type'}",
                field,
            )
        elif old_types != new_types:
            self.report(
                "response-type-narrowed",
                f"{where}: response type narrowed from {', '.join(sorted(old_types)) or 'any'} "
                f"to {', '.join(sorted(new_types))}",
                field,
            )
        for keyword in (*BOUNDS, "pattern", "format", "enum"):
            before, after = old.get(keyword), new.get(keyword)
            if not _same(keyword, before, after):
                self.report(
                    "response-constraint-changed",
                    f"{where}: {keyword} changed from {_shown(before)} to {_shown(after)}",
                    field,
                )
        before, after = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(before, dict) and isinstance(after, dict):
            self.output_schema(before, after, f"{where}{{*}}", field, depth + 1)
        elif before != after:
            self.report(
                "attribute-changed",
                f"{where}: additionalProperties changed from {_shown(before)} to {_shown(after)}",
                field,
            )
        self.output_properties(old, new, where, field, depth)
        if "items" in old and "items" in new:
            self.output_schema(old["items"], new["items"], f"{where}[]", field, depth + 1)

    def output_properties(self, old, new, where, field, depth) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(old_props):
            here = _dotted(field, name)
            raw_old = old_props[name]
            if name not in new_props:
                self.removed(
                    "response-property",
                    f"{where}: response field '{name}' was removed",
                    (raw_old, _resolve(self.old, raw_old)),
                    here,
                )
                continue
            raw_new = new_props[name]
            if name in old_required and name not in new_required:
                self.report(
                    "response-property-became-optional",
                    f"{where}: response field '{name}' is no longer always present",
                    here,
                )
            elif name in new_required and name not in old_required:
                self.report(
                    "response-property-became-required",
                    f"{where}: response field '{name}' is always present now",
                    here,
                )
            self.deprecation(
                "response-property",
                (raw_old, _resolve(self.old, raw_old)),
                (raw_new, _resolve(self.new, raw_new)),
                f"{where}: response field '{name}'",
                here,
            )
            self.output_schema(raw_old, raw_new, f"{where}.{name}", here, depth + 1)
        for name in sorted(new_props.keys() - old_props.keys()):
            self.report(
                "response-property-added",
                f"{where}: new response field '{name}'",
                _dotted(field, name),
            )

    # --- operations ----------------------------------------------------------------------------
    def parameters(self, old: dict, new: dict, label: str) -> None:
        old_params = {(p.get("in"), p.get("name")): p for p in map(self._old, old)}
        new_params = {(p.get("in"), p.get("name")): p for p in map(self._new, new)}
        for key, param in new_params.items():
            where = f"{label} {key[0]} parameter '{key[1]}'"
            if key not in old_params:
                if param.get("required"):
                    self.report(
                        "parameter-added-required", f"{where}: new required parameter", key[1]
                    )
                else:
                    self.report(
                        "parameter-added-optional", f"{where}: new optional parameter", key[1]
                    )
                continue
            before = old_params[key]
            if param.get("required") and not before.get("required"):
                self.report("parameter-became-required", f"{where}: became required", key[1])
            elif before.get("required") and not param.get("required"):
                self.report("parameter-became-optional", f"{where}: is optional now", key[1])
            self.deprecation("parameter", (before,), (param,), where, key[1])
            self.words(before, param, where, ("description",))
            known = {"in", "name", "required", "deprecated", "x-sunset", "schema", "description"}
            self.others(before, param, where, known | set(EXAMPLES), key[1])
            self.input_schema(
                before.get("schema", {}), param.get("schema", {}), where, "parameter", key[1]
            )
        for key in [key for key in old_params if key not in new_params]:
            where = f"{label} {key[0]} parameter '{key[1]}'"
            self.report("parameter-removed", f"{where}: no longer documented", key[1])

    def request_body(self, old: dict, new: dict, label: str) -> None:
        old_body, new_body = self._old(old), self._new(new)
        if new_body.get("required") and not old_body.get("required"):
            self.report(
                "request-body-became-required", f"{label}: the request body became required"
            )
        elif old_body.get("required") and not new_body.get("required"):
            self.report(
                "request-body-became-optional", f"{label}: the request body is optional now"
            )
        self.words(old_body, new_body, f"{label} request body", ("description",))
        self.others(
            old_body, new_body, f"{label} request body", {"required", "description", "content"}
        )
        old_content, new_content = old_body.get("content", {}), new_body.get("content", {})
        for media, old_media in old_content.items():
            if media not in new_content:
                self.report(
                    "request-media-type-removed",
                    f"{label}: request media type {media} is no longer accepted",
                )
                continue
            where, new_media = f"{label} request body ({media})", new_content[media]
            self.words(old_media, new_media, where, ())
            self.others(old_media, new_media, where, {"schema", *EXAMPLES})
            self.input_schema(
                old_media.get("schema", {}), new_media.get("schema", {}), where, "request"
            )
        for media in [media for media in new_content if media not in old_content]:
            self.report("request-media-type-added", f"{label}: accepts request media type {media}")

    def headers(self, old: dict, new: dict, where: str, deprecation_moved: bool) -> None:
        old_headers = {name.lower(): (name, h) for name, h in (old or {}).items()}
        new_headers = {name.lower(): (name, h) for name, h in (new or {}).items()}
        for key in sorted(old_headers.keys() | new_headers.keys()):
            if deprecation_moved and key in DEPRECATION_HEADERS:
                continue  # they come and go with the operation's deprecation, reported once
            if key not in new_headers:
                self.report(
                    "response-header-removed",
                    f"{where}: header {old_headers[key][0]} no longer sent",
                    old_headers[key][0],
                )
            elif key not in old_headers:
                self.report(
                    "response-header-added",
                    f"{where}: new header {new_headers[key][0]}",
                    new_headers[key][0],
                )
            elif self._old(old_headers[key][1]) != self._new(new_headers[key][1]):
                self.report(
                    "attribute-changed",
                    f"{where}: header {new_headers[key][0]} documented differently",
                    new_headers[key][0],
                )

    def responses(self, old: dict, new: dict, label: str, deprecation_moved: bool) -> None:
        for status, old_response in old.items():
            success = str(status).startswith("2")
            if status not in new:
                if success:
                    self.report(
                        "response-status-removed",
                        f"{label}: success status {status} was removed or changed",
                    )
                else:
                    self.report(
                        "response-error-status-removed",
                        f"{label}: error status {status} is no longer documented",
                    )
                continue
            old_response, new_response = self._old(old_response), self._new(new[status])
            where = f"{label} {status} response"
            self.words(old_response, new_response, where, ("description",))
            self.others(old_response, new_response, where, {"description", "headers", "content"})
            self.headers(
                old_response.get("headers"), new_response.get("headers"), where, deprecation_moved
            )
            if success:
                self.content(old_response, new_response, where)
                continue
            # An error body: every change is listed, none blocks (clients read its `detail`).
            start = len(self.changes)
            self.content(old_response, new_response, where)
            for index in range(start, len(self.changes)):
                change = self.changes[index]
                if change.severity != "annotation":
                    self.changes[index] = Change(
                        "error-response-changed", change.endpoint, change.message, change.field
                    )
        for status in [status for status in new if status not in old]:
            self.report("response-status-added", f"{label}: new response status {status}")

    def content(self, old_response: dict, new_response: dict, where: str) -> None:
        old_content = old_response.get("content", {})
        new_content = new_response.get("content", {})
        for media, old_media in old_content.items():
            here = f"{where} ({media})"
            if media not in new_content:
                self.report("response-media-type-removed", f"{here}: media type no longer returned")
                continue
            new_media = new_content[media]
            self.words(old_media, new_media, here, ())
            self.others(old_media, new_media, here, {"schema", *EXAMPLES})
            self.output_schema(old_media.get("schema", {}), new_media.get("schema", {}), here)
        for media in [media for media in new_content if media not in old_content]:
            self.report("response-media-type-added", f"{where}: new media type {media}")

    def operation(self, old: dict, new: dict, label: str) -> None:
        self.deprecation("operation", (old,), (new,), f"operation {label}")
        if old.get("operationId") != new.get("operationId"):
            self.report(
                "operation-id-changed",
                f"{label}: operationId changed from {old.get('operationId')!r} to "
                f"{new.get('operationId')!r}",
            )
        self.words(old, new, label)
        known = {"operationId", "deprecated", "x-sunset", "parameters", "requestBody", "responses"}
        self.others(old, new, label, known | set(WORDS))
        self.parameters(old.get("parameters", []), new.get("parameters", []), label)
        self.request_body(old.get("requestBody", {}), new.get("requestBody", {}), label)
        moved = _deprecated(old) != _deprecated(new)
        self.responses(old.get("responses", {}), new.get("responses", {}), label, moved)

    def _old(self, node):
        return _resolve(self.old, node)

    def _new(self, node):
        return _resolve(self.new, node)

    def document(self) -> None:
        old_info, new_info = self.old.get("info", {}), self.new.get("info", {})
        if old_info.get("version") != new_info.get("version"):
            self.report(
                "info-version-changed",
                f"info.version changed from {old_info.get('version')} to {new_info.get('version')}",
            )
        self.words(old_info, new_info, "info", ("title", "description"))
        self.others(old_info, new_info, "info", {"version", "title", "description"})
        self.others(self.old, self.new, "the document", {"info", "paths", "components"})

    def run(self) -> list[Change]:
        self.document()
        old_paths, new_paths = self.old.get("paths", {}), self.new.get("paths", {})
        for path, old_item in old_paths.items():
            methods = [m for m in METHODS if m in old_item]
            if path not in new_paths:
                self.endpoint = path
                if not any(_deprecated(old_item[m]) for m in methods):
                    self.report("path-removed", f"path {path} was removed")
                    continue
                for method in methods:
                    self.endpoint = f"{method.upper()} {path}"
                    self.removed(
                        "operation", f"operation {self.endpoint} was removed", (old_item[method],)
                    )
                continue
            self.endpoint = path
            self.others(old_item, new_paths[path], f"path {path}", set(METHODS))
            for method in methods:
                label = self.endpoint = f"{method.upper()} {path}"
                if method not in new_paths[path]:
                    self.removed("operation", f"operation {label} was removed", (old_item[method],))
                    continue
                self.operation(old_item[method], new_paths[path][method], label)
            for method in METHODS:
                if method in new_paths[path] and method not in old_item:
                    self.endpoint = f"{method.upper()} {path}"
                    self.report("operation-added", f"new operation {self.endpoint}")
        for path in [path for path in new_paths if path not in old_paths]:
            self.endpoint = path
            self.report("path-added", f"new path {path}")
        return self.changes


def changes(old: dict, new: dict, today: dt.date | None = None) -> list[Change]:
    """Every change from ``old`` to ``new``, each with its rule; removals after a deprecation's
    sunset are judged against ``today`` (UTC's date by default)."""
    return Differ(old, new, today).run()


def breaking_changes(old: dict, new: dict, today: dt.date | None = None) -> list[str]:
    return [c.message for c in changes(old, new, today) if c.severity == "breaking"]


def major(document: dict) -> int | None:
    version = str(document.get("info", {}).get("version", ""))
    head = version.lstrip("vV").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def major_bumped(old: dict, new: dict) -> bool:
    before, after = major(old), major(new)
    return before is not None and after is not None and after > before


# --- waivers (contract/waivers.yaml) -------------------------------------------------------------
@dataclass
class Verdict:
    """The breaks that still block, those a waiver lets pass, and the waivers' problems."""

    blocking: list[Change] = field(default_factory=list)
    waived: list[tuple[Change, waiver_files.Waiver]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.blocking and not self.problems

    def waiver_of(self, change: Change) -> waiver_files.Waiver | None:
        return next((w for c, w in self.waived if c is change), None)


def _matches(waiver: waiver_files.Waiver, change: Change) -> bool:
    entry = waiver.entry
    wanted = str(entry.get("field") or "").strip()
    return (
        change.rule == str(entry["rule"]).strip()
        and change.endpoint == str(entry["operation"]).strip()
        and (not wanted or change.field == wanted)
    )


def judge(
    found: list[Change],
    today: dt.date | None = None,
    path: Path | None = None,
    compared: bool = True,
) -> Verdict:
    """The breaking changes of ``found`` against contract/waivers.yaml (or ``path``).

    An entry must name a breaking rule and match a change of the comparison; ``compared`` is
    False when there was nothing to compare (the base is the commit under test), and then only
    the entries' own keys and expiry are checked.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    valid, problems = waiver_files.read(waiver_files.CONTRACT, today, path)
    verdict = Verdict(problems=list(problems))
    usable = []
    for waiver in valid:
        rule = str(waiver.entry["rule"]).strip()
        if rule not in RULES or RULES[rule].severity != "breaking":
            verdict.problems.append(
                f"{waiver.where}: {rule!r} is not the id of a breaking rule "
                "(docs/contract-rules.md, 'Rule ids'); only a break needs a waiver"
            )
            continue
        usable.append(waiver)
    used = set()
    for change in found:
        if change.severity != "breaking":
            continue
        waiver = next((w for w in usable if _matches(w, change)), None)
        if waiver is None:
            verdict.blocking.append(change)
        else:
            verdict.waived.append((change, waiver))
            used.add(waiver.where)
    if compared:
        verdict.problems += [
            f"{w.where}: matches no breaking change of this comparison; correct its rule, "
            "operation or field, or remove it (its change is on the base branch already)"
            for w in usable
            if w.where not in used
        ]
    return verdict


# --- git ---------------------------------------------------------------------------------------
class BaseNotFound(RuntimeError):
    pass


def resolve_base(root: Path, ref: str) -> tuple[str, str]:
    """(the ref that resolved, its commit). Tries REF, then origin/REF, then a shallow fetch."""
    for candidate in (ref, f"origin/{ref}"):
        result = git.run("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", cwd=root)
        if result.returncode == 0:
            return candidate, result.stdout.strip()
    fetched = git.run("fetch", "--quiet", "--depth=1", "origin", ref, cwd=root)
    if fetched.returncode == 0:
        result = git.run("rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}", cwd=root)
        if result.returncode == 0:
            return f"origin/{ref} (fetched)", result.stdout.strip()
    raise BaseNotFound(
        f"the base ref {ref!r} is not in this clone, nor origin/{ref}, and fetching it failed. "
        f"Fetch it (git fetch origin {ref}) or name another base with CONTRACT_BASE_REF."
    )


def head_commit(root: Path) -> str | None:
    result = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", cwd=root)
    return result.stdout.strip() if result.returncode == 0 else None


def base_contract(root: Path, commit: str, relpath: str) -> str | None:
    result = git.run("show", f"{commit}:{relpath}", cwd=root)
    return result.stdout if result.returncode == 0 else None
