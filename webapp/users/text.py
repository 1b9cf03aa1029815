"""What counts as text in a user's fields, defined once for the service and its contract.

Plain Python with no Django import, so the harness can read it too (harness/contract/breaking.py).
"""

import re

# Whitespace: the code points of ECMA-262's WhiteSpace and LineTerminator (what `\s` matches in a
# JavaScript regular expression, as of Unicode 17), written out one by one, so that the
# contract's readers (JSON Schema reads a pattern with ECMA-262 semantics) and the service
# (Python's re) read the same set. Python's own notion differs: str.strip() and re's `\s` count
# U+001C..U+001F and U+0085 as whitespace, and not U+FEFF. tests/contract/test_text_pattern.py
# checks every code point against node.
WHITESPACE = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

# At least one character that is neither whitespace nor NUL, and no NUL anywhere (PostgreSQL
# cannot store NUL). The contract's pattern for dni and name.
TEXT_PATTERN = rf"^[^\x00]*[^{WHITESPACE}\x00][^\x00]*$"

_BLANK = re.compile(f"[{WHITESPACE}]*")


def is_blank(value: str) -> bool:
    """True when the value is empty or only whitespace."""
    return _BLANK.fullmatch(value) is not None
