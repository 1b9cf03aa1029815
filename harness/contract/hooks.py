"""Generation hook: mix strings that have broken text fields before into generated users.

Schemathesis derives invalid strings from the schema, and a regular expression's complement is
hard to sample: whitespace-only names, say, almost never come up by chance. So a quarter of the
generated createUser bodies get one field replaced by a value from this list. Schemathesis
re-checks such a case against the schema before sending it, so a value the contract forbids is
sent as negative data (it must be rejected) and one it allows as positive data (it must be
accepted). Hypothesis draws the choice, so runs stay reproducible from the seed.
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

TRICKY_TEXT = [
    " ",  # whitespace only, ASCII and Unicode: not a name
    "   ",
    "\t\n",
    "\u00a0",
    "\u2003\u3000",
    "\ufeff",  # whitespace to ECMA-262 (so to the contract), not to Python's str.strip()
    "\x1c",  # and the other way round: text to the contract, whitespace to str.strip()
    "\x85",
    "\x00",  # NUL: PostgreSQL cannot store it
    "a\x00b",
    " Ada ",  # surrounding blanks: valid, stored exactly as sent
    "0",  # numbers and literals as text: valid strings
    "12345",
    "true",
    "null",
    "e\u0301",  # combining and astral characters: valid
    "\U0001f600",
    "x" * 14,  # one past the dni limit, and the name limit, in characters
    "\u00e9" * 31,
]
FIELDS = ("dni", "name")


@schemathesis.hook
def flatmap_case(context, case):
    operation = context.operation
    if operation is None or operation.definition.raw.get("operationId") != "createUser":
        return st.just(case)
    if not isinstance(case.body, dict) or not any(field in case.body for field in FIELDS):
        return st.just(case)

    def apply(choice):
        replace, field, value = choice
        if replace:
            case.body = {**case.body, field: value}
        return case

    return st.tuples(
        st.integers(0, 3).map(lambda n: n == 0),
        st.sampled_from([field for field in FIELDS if field in case.body]),
        st.sampled_from(TRICKY_TEXT),
    ).map(apply)
