"""The gate's own rules of infra/terraform (harness/iac/rules.py) hold on the committed tree:
Kubernetes versions, clusters, the database, the registry, the vaults, no secret, documented
and validated inputs, pinned roots with their own remote state."""

import pytest

from harness.iac import rules


@pytest.mark.parametrize("name", sorted(rules.RULES))
def test_the_rule_holds(tree, name):
    problems = rules.RULES[name](tree)
    assert not problems, "\n".join([f"infra/terraform breaks the rule {name!r}:", *problems])
    print(f"{name}: {rules.RULES[name].__doc__.splitlines()[0]}")


def test_every_input_is_described_and_validated(tree):
    variables = {v.address: v for c in tree.configs.values() for v in c.of_kind("variable")}
    for name in ("var.kubernetes_version", "var.secret_names", "var.postgresql"):
        assert variables[name].body.get("validation"), name
    print(f"{len(variables)} inputs, each with a type and a description: {sorted(variables)}")
