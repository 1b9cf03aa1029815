"""The service and the contract agree on every text value made of any Unicode code point.

The contract's ``pattern`` for ``dni`` and ``name`` is read by consumers with ECMA-262 regular
expression semantics, as JSON Schema says; the service validates with Python. For every code
point (surrogates excluded: they are not text, and JSON cannot carry them as UTF-8), two values
are judged: the code point alone and between two letters. The service's verdict (its serializer's
field) must equal node's evaluation of the contract's pattern, with and without the ``u`` flag.
One batch per side, so the whole range takes seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml
from rest_framework.exceptions import ValidationError

from harness.contract.settings import CONTRACT
from webapp.users.serializers import UserInputSerializer

CODE_POINTS = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
SHAPES = ("{}", "a{}a")

# Reads {"pattern": ..., "values": [...]} on stdin; writes one "1" (match) or "0" per value, for
# the pattern compiled with the u flag, then a newline, then the same without it.
NODE_SCRIPT = r"""
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
for (const flags of ["u", ""]) {
  const re = new RegExp(input.pattern, flags);
  process.stdout.write(input.values.map((v) => (re.test(v) ? "1" : "0")).join("") + "\n");
}
"""


def contract_text_patterns() -> dict[str, str]:
    """Every string property's pattern in the contract's schemas, keyed schema.property."""
    schemas = yaml.safe_load(CONTRACT.read_text())["components"]["schemas"]
    return {
        f"{name}.{prop}": spec["pattern"]
        for name, schema in schemas.items()
        for prop, spec in schema.get("properties", {}).items()
        if "pattern" in spec
    }


def ecma_verdicts(pattern: str, values: list[str]) -> tuple[str, str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node (apt-get install nodejs)")
    result = subprocess.run(
        [node, "-e", NODE_SCRIPT],
        input=json.dumps({"pattern": pattern, "values": values}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    with_u, without_u = result.stdout.splitlines()
    return with_u, without_u


def service_verdicts(field_name: str, values: list[str]) -> str:
    field = UserInputSerializer().fields[field_name]
    verdicts = []
    for value in values:
        try:
            field.run_validation(value)
        except ValidationError:
            verdicts.append("0")
        else:
            verdicts.append("1")
    return "".join(verdicts)


def test_the_text_fields_share_one_pattern():
    patterns = contract_text_patterns()
    assert set(patterns) >= {
        "UserInputRequest.dni",
        "UserInputRequest.name",
        "User.dni",
        "User.name",
    }
    assert len(set(patterns.values())) == 1, patterns


@pytest.mark.parametrize("field_name", ["dni", "name"])
def test_every_code_point_gets_the_same_verdict_from_the_service_and_the_contract(field_name):
    pattern = contract_text_patterns()[f"UserInputRequest.{field_name}"]
    values = [shape.format(chr(c)) for shape in SHAPES for c in CODE_POINTS]
    service = service_verdicts(field_name, values)
    with_u, without_u = ecma_verdicts(pattern, values)
    assert len(service) == len(with_u) == len(without_u) == len(values)
    assert with_u == without_u, "the contract's pattern reads differently with the u flag"
    disagreements = [
        f"{values[i]!r}: service {'accepts' if service[i] == '1' else 'refuses'}, "
        f"contract {'accepts' if with_u[i] == '1' else 'refuses'}"
        for i in range(len(values))
        if service[i] != with_u[i]
    ]
    assert not disagreements, (
        f"{len(disagreements)} of {len(values)} values of {field_name} get another verdict from "
        f"the service than from the contract's pattern {pattern!r} (ECMA-262):\n  "
        + "\n  ".join(disagreements[:40])
    )
