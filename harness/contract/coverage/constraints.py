"""Which constraints of a request-body schema a recorded body breaks.

``pattern`` is evaluated as JSON Schema says, with ECMA-262 regular expressions (the ``regress``
library, a maintained binding of the Rust crate of that name): Python's ``re`` reads ``\\s``
differently (it counts U+001C..U+001F and U+0085 as whitespace and U+FEFF not), and a
classifier on Python's reading would agree with a service that makes the same mistake.
String lengths count code points, as JSON Schema does.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import regress

from harness.contract.coverage.spec import BODY

JSON_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
NOT_JSON = object()


def _matches(pattern: str, value: str) -> bool:
    # regress takes UTF-8, which has no lone surrogates (JSON can escape one: "\\ud800"); it is
    # read as U+E000, a private-use code point that, like a surrogate, is no whitespace, letter
    # or digit of any class a pattern can name.
    value = re.sub("[\ud800-\udfff]", "\ue000", value)
    return _regex(pattern).find(value) is not None


@lru_cache(maxsize=64)
def _regex(pattern: str) -> regress.Regex:
    return regress.Regex(pattern, flags="u")


def parse(text: str | None):
    """The JSON value of a recorded body, or NOT_JSON when it is none."""
    if text is None:
        return NOT_JSON
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # nested deeper than a parser goes: not a user body
        return NOT_JSON


def _type_ok(value, expected) -> bool:
    names = expected if isinstance(expected, list) else [expected]
    return any(JSON_TYPES.get(name, lambda v: True)(value) for name in names)


def _property_breaks(prop: str, sub: dict, value) -> set[tuple[str, str]]:
    if "type" in sub and not _type_ok(value, sub["type"]):
        return {(prop, "type")}  # the other keywords apply to strings only
    broken = set()
    if isinstance(value, str):
        if "minLength" in sub and len(value) < sub["minLength"]:
            broken.add((prop, "minLength"))
        if "maxLength" in sub and len(value) > sub["maxLength"]:
            broken.add((prop, "maxLength"))
        if "pattern" in sub and not _matches(sub["pattern"], value):
            broken.add((prop, "pattern"))
    return broken


def broken(schema: dict, body) -> set[tuple[str, str]]:
    """(property, keyword) of every constraint of SCHEMA that the parsed BODY breaks."""
    if "type" in schema and not _type_ok(body, schema["type"]):
        return {(BODY, "type")}
    if not isinstance(body, dict):
        return set()
    found: set[tuple[str, str]] = set()
    properties = schema.get("properties") or {}
    for prop in schema.get("required", []):
        if prop not in body:
            found.add((prop, "required"))
    for prop, value in body.items():
        if prop in properties:
            found |= _property_breaks(prop, properties[prop], value)
        elif schema.get("additionalProperties") is False:
            found.add((BODY, "additionalProperties"))
    return found
