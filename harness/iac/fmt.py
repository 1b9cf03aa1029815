"""`terraform fmt` without the binary: the layout rules it enforces that can be checked offline.

Checked, on every .tf and .tfvars file:
  - no tab, no carriage return, no trailing whitespace, one final newline and no blank line
    after it;
  - indentation: two spaces per level, a level being a line that opens more brackets than it
    closes, as hclwrite (the formatter of `terraform fmt`) counts them; heredoc bodies are left
    alone;
  - alignment: in a run of consecutive one-line `name = value` lines, the `=` signs stand in one
    column, one space after the longest name; trailing comments of consecutive lines are aligned
    the same way.
Not checked: the spacing inside an expression (`a+b` against `a + b`), which `terraform fmt` also
rewrites. The lexer is python-hcl2's, so strings and comments never count as brackets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import hcl2
from lark import Token

OPENERS = {"LBRACE", "LSQB", "LPAR", "INTERP_START", "DIRECTIVE_START"}
CLOSERS = {"RBRACE", "RSQB", "RPAR"}
HEREDOCS = ("HEREDOC_TEMPLATE", "HEREDOC_TEMPLATE_TRIM")


@dataclass
class Line:
    number: int
    text: str
    tokens: list[Token] = field(default_factory=list)  # the line's own tokens, comments apart
    comment: Token | None = None  # a trailing comment after code
    in_heredoc: bool = False

    @property
    def brackets(self) -> int:
        return sum((t.type in OPENERS) - (t.type in CLOSERS) for t in self.tokens)

    def assign(self) -> Token | None:
        """The `=` that splits the line into name and value, as hclwrite finds it: the first `=`
        after the first token whose rest of the line closes every bracket it opens."""
        for index, token in enumerate(self.tokens):
            if index and token.type == "EQ":
                rest = self.tokens[index:]
                opened = sum((t.type in OPENERS) - (t.type in CLOSERS) for t in rest)
                return token if opened == 0 else None
        return None


def _lines(text: str) -> list[Line]:
    lines = [Line(n, t) for n, t in enumerate(text.split("\n"), 1)]
    tree = hcl2.api.parses_to_tree(text)
    for token in tree.scan_values(lambda v: isinstance(v, Token)):
        if token.type == "NL_OR_COMMENT":
            if "/*" in str(token):  # a block comment's lines are left as written
                for number in range(token.line + 1, token.end_line):
                    lines[number - 1].in_heredoc = True
            body = str(token).lstrip(" \t")
            if body.startswith(("#", "//", "/*")):
                line = lines[token.line - 1]
                if line.tokens:
                    line.comment = token
            continue
        if token.type in HEREDOCS:
            for number in range(token.line + 1, token.end_line + 1):
                lines[number - 1].in_heredoc = True
        lines[token.line - 1].tokens.append(token)
    return lines


def _whitespace(name: str, text: str) -> list[str]:
    problems = []
    for number, line in enumerate(text.split("\n"), 1):
        if "\t" in line:
            problems.append(f"{name}:{number}: a tab; indent with two spaces")
        if "\r" in line:
            problems.append(f"{name}:{number}: a carriage return; use Unix line endings")
        if line != line.rstrip(" \t\r"):
            problems.append(f"{name}:{number}: trailing whitespace")
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append(f"{name}: must end with exactly one newline")
    return problems


def _indentation(name: str, lines: list[Line]) -> list[str]:
    problems = []
    indents: list[int] = []
    for line in lines:
        if line.in_heredoc or not line.text.strip():
            continue
        net = line.brackets
        if net < 0:
            closed = -net
            while closed > 0 and indents:
                if closed >= indents[-1]:
                    closed -= indents.pop()
                else:
                    indents[-1] -= closed
                    closed = 0
        expected = 2 * len(indents)
        if net > 0:
            indents.append(net)
        found = len(line.text) - len(line.text.lstrip(" "))
        if found != expected:
            problems.append(
                f"{name}:{line.number}: indented {found} spaces, `terraform fmt` indents it "
                f"{expected}"
            )
    return problems


def _aligned(name: str, chain: list[tuple[Line, int, int]], what: str) -> list[str]:
    """Each (line, end of what comes before, column found) of a chain must share one column."""
    if len(chain) < 1:
        return []
    column = max(end for _, end, _ in chain) + 1
    return [
        f"{name}:{line.number}: the {what} is in column {found + 1}, `terraform fmt` puts it in "
        f"column {column + 1} (aligned with the lines next to it)"
        for line, _, found in chain
        if found != column
    ]


def _alignment(name: str, lines: list[Line]) -> list[str]:
    problems = []
    assigns: list[tuple[Line, int, int]] = []
    comments: list[tuple[Line, int, int]] = []
    for line in [*lines, Line(0, "")]:
        equals = None if line.in_heredoc else line.assign()
        if equals is None:
            problems += _aligned(name, assigns, "`=`")
            assigns = []
        else:
            lead_end = len(line.text[: equals.column - 1].rstrip())
            assigns.append((line, lead_end, equals.column - 1 + len(equals) - 1))
        if line.comment is None:
            problems += _aligned(name, comments, "comment")
            comments = []
        else:
            start = line.comment.column - 1  # the lexer starts a comment at its `#`
            comments.append((line, len(line.text[:start].rstrip()), start))
    return problems


def check_file(name: str, text: str) -> list[str]:
    """Every layout problem of one file, each as `file:line: what terraform fmt would change`."""
    problems = _whitespace(name, text)
    try:
        lines = _lines(text)
    except Exception:  # a file that does not parse is reported by the parser's own check
        return problems
    problems += _indentation(name, lines) + _alignment(name, lines)
    return sorted(problems, key=lambda p: int(p.split(":")[1]) if p.count(":") > 1 else 0)
