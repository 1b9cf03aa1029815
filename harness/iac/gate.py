"""The whole offline gate for one infra/ tree, as a function and as a command.

    python -m harness.iac.gate [INFRA_DIR]     # prints every problem; exit 1 when there is one

Parse every .tf and .tfvars file (python-hcl2), the layout `terraform fmt` would give them, the
gate's own rules, the cross-checks against k8s/, harness/deploy.py and the pipeline, and
checkov's terraform policies. The tests run the same function on the committed tree and on
broken copies of it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.common import verdict
from harness.iac import cross, fmt, policy, rules
from harness.iac.tree import INFRA, Infra


def problems(infra: Path = INFRA, scan: bool = True) -> list[str]:
    """Every problem of the tree; `scan=False` leaves out the checkov scan (a few seconds)."""
    tree = Infra(infra)
    found = list(tree.errors)
    for file in tree.all_files:
        found += fmt.check_file(file.name, file.text)
    if tree.errors:
        return found  # the rules would reason about a tree they could not read whole
    for check in (*rules.RULES.values(), *cross.CHECKS.values()):
        found += check(tree)
    if scan:
        found += policy.problems(infra)
    return found


def main(argv: list[str]) -> int:
    infra = Path(argv[0]).resolve() if argv else INFRA
    return verdict.report("iac", infra, problems(infra))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
