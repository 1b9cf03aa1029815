"""When two JSON Schema patterns are the same: ECMA-262 regular expressions compared by what their
character classes hold, so that ``\\s`` and the code points it stands for, written out, are one
pattern (a service may spell ``\\s`` out so that Python's ``re`` and ECMA-262 read it alike).
"""

from __future__ import annotations

import functools
import unicodedata

# Escapes that stand for one character, in a class or outside one.
CONTROL = {"t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "0": "\0"}


@functools.cache
def ecma_whitespace() -> frozenset[str]:
    """ECMA-262's ``\\s``: WhiteSpace (TAB, VT, FF, ZWNBSP and every Zs code point) and
    LineTerminator (LF, CR, LS, PS). Every Zs code point is in the Basic Multilingual Plane."""
    spaces = {chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Zs"}
    return frozenset("\t\v\f\ufeff\n\r\u2028\u2029") | spaces


def _escape(pattern: str, i: int) -> tuple[str | frozenset[str], int]:
    """The escape at PATTERN[i] (a backslash): one character, the set \\s stands for, or the
    escape itself (``\\d``, ``\\S``, ...) as an opaque token; and the index after it."""
    letter = pattern[i + 1 : i + 2]
    if letter == "s":
        return ecma_whitespace(), i + 2
    if letter in CONTROL and not (letter == "0" and pattern[i + 2 : i + 3].isdigit()):
        return CONTROL[letter], i + 2
    for prefix, width in (("u", 4), ("x", 2)):
        digits = pattern[i + 2 : i + 2 + width]
        if letter == prefix and len(digits) == width:
            try:
                return chr(int(digits, 16)), i + 2 + width
            except ValueError:
                break
    if letter and not letter.isalnum():
        return letter, i + 2  # an escaped punctuator stands for itself
    return pattern[i : i + 2], i + 2


def _class(pattern: str, i: int) -> tuple[tuple, int]:
    """The class that opens at PATTERN[i]: (negated, its characters, its opaque escapes)."""
    i += 1
    negated = pattern[i : i + 1] == "^"
    i += negated
    chars: set[str] = set()
    opaque: set[str] = set()
    previous: str | None = None
    while i < len(pattern) and pattern[i] != "]":
        if pattern[i] == "\\":
            item, i = _escape(pattern, i)
        else:
            item, i = pattern[i], i + 1
        if item == "-" and previous is not None and pattern[i : i + 1] not in ("]", ""):
            end, i = _escape(pattern, i) if pattern[i] == "\\" else (pattern[i], i + 1)
            if isinstance(end, str) and len(end) == 1:
                chars.update(chr(c) for c in range(ord(previous), ord(end) + 1))
                previous = None
                continue
            chars.add("-")
            item = end
        if isinstance(item, frozenset):
            chars |= item
            previous = None
        elif len(item) == 1:
            chars.add(item)
            previous = item
        else:
            opaque.add(item)
            previous = None
    return ("class", negated, frozenset(chars), frozenset(opaque)), i + 1


def tokens(pattern: str) -> tuple:
    """PATTERN as tokens: a class as its contents, ``\\s`` as the class of its code points, any
    other character or escape as itself."""
    out: list = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            token, i = _class(pattern, i)
        elif pattern[i] == "\\":
            item, i = _escape(pattern, i)
            token = ("class", False, item, frozenset()) if isinstance(item, frozenset) else item
        else:
            token, i = pattern[i], i + 1
        out.append(token)
    return tuple(out)


def same(old: str, new: str) -> bool:
    """OLD and NEW read alike: equal, or equal once their classes are compared as sets."""
    return old == new or tokens(old) == tokens(new)
