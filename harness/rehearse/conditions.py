"""The expressions of `condition:` and of `${{ }}`, evaluated as Azure DevOps does.

Supported: the status functions succeeded(), failed(), succeededOrFailed(), always(),
canceled(); eq, ne, and, or, not, in, notIn, contains, startsWith, endsWith; string, number and
boolean literals; variables['Name'] and variables.Name. Strings compare case-insensitively, as
Azure DevOps compares them. Anything else (dependencies.X, counter(), ...) raises
ExpressionError naming it, so a condition the rehearsal cannot evaluate fails it instead of
being guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<punct>[(),\[\]]))"
)


class ExpressionError(Exception):
    """An expression the rehearsal cannot evaluate, or that is not well formed."""


@dataclass
class Context:
    """What an expression sees: the variables in scope, and the status so far (Succeeded or
    Failed: of the job's earlier steps for a step, of the dependencies for a stage or job)."""

    variables: dict[str, str] = field(default_factory=dict)
    status: str = "Succeeded"

    def variable(self, name: str) -> str:
        for key, value in self.variables.items():
            if key.lower() == name.lower():
                return value
        return ""  # Azure DevOps: an unset variable is the empty string in an expression


def tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup or "punct"
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.items = tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (value is not None and item[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.at += 1
        return item

    def expression(self):
        kind, value = self.take()
        if kind == "string":
            return ("literal", value[1:-1].replace("''", "'"))
        if kind == "number":
            return ("literal", float(value) if "." in value else int(value))
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} in {self.text!r}")
        if value.lower() in {"true", "false"}:
            return ("literal", value.lower() == "true")
        if self.peek() and self.peek()[1] == "(":
            return self.call(value)
        return self.reference(value)

    def call(self, name: str):
        self.take("(")
        arguments = []
        while self.peek() and self.peek()[1] != ")":
            arguments.append(self.expression())
            if self.peek() and self.peek()[1] == ",":
                self.take(",")
        self.take(")")
        return ("call", name, arguments)

    def reference(self, name: str):
        root, _, rest = name.partition(".")
        if root != "variables":
            raise ExpressionError(f"{name!r} in {self.text!r}: the rehearsal knows only variables")
        if rest:
            return ("variable", rest)
        self.take("[")
        kind, value = self.take()
        self.take("]")
        if kind != "string":
            raise ExpressionError(f"variables[...] needs a quoted name in {self.text!r}")
        return ("variable", value[1:-1])


def parse(text: str):
    parser = _Parser(text)
    tree = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected {parser.peek()[1]!r} in {text!r}")
    return tree


def as_text(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def truthy(value) -> bool:
    if isinstance(value, str):
        return value != ""
    return bool(value)


def _equal(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return as_text(a).casefold() == as_text(b).casefold()
    return a == b


STATUS = {
    "succeeded": lambda c: c.status == "Succeeded",
    "failed": lambda c: c.status == "Failed",
    "succeededorfailed": lambda c: True,
    "always": lambda c: True,
    "canceled": lambda c: False,
}

FUNCTIONS = {
    "eq": lambda a, b: _equal(a, b),
    "ne": lambda a, b: not _equal(a, b),
    "and": lambda *a: all(truthy(x) for x in a),
    "or": lambda *a: any(truthy(x) for x in a),
    "not": lambda a: not truthy(a),
    "in": lambda a, *b: any(_equal(a, x) for x in b),
    "notin": lambda a, *b: not any(_equal(a, x) for x in b),
    "contains": lambda a, b: as_text(b).casefold() in as_text(a).casefold(),
    "startswith": lambda a, b: as_text(a).casefold().startswith(as_text(b).casefold()),
    "endswith": lambda a, b: as_text(a).casefold().endswith(as_text(b).casefold()),
}


def _value(tree, context: Context):
    kind = tree[0]
    if kind == "literal":
        return tree[1]
    if kind == "variable":
        return context.variable(tree[1])
    name = tree[1].lower()
    if name in STATUS:
        if tree[2]:
            raise ExpressionError(f"{tree[1]}() with job or stage names is not supported")
        return STATUS[name](context)
    if name not in FUNCTIONS:
        raise ExpressionError(f"the function {tree[1]}() is not one the rehearsal evaluates")
    arguments = [_value(a, context) for a in tree[2]]
    try:
        return FUNCTIONS[name](*arguments)
    except TypeError:
        raise ExpressionError(f"{tree[1]}() given {len(arguments)} arguments") from None


def evaluate(text: str, context: Context):
    """The value of an expression (a `${{ }}` body or a condition)."""
    return _value(parse(text), context)


def holds(condition: str | None, context: Context) -> bool:
    """Whether a `condition:` lets its stage, job or step run; none means succeeded()."""
    return truthy(evaluate(condition or "succeeded()", context))
