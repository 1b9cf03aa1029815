"""Every rendered object against the strict Kubernetes schemas of the AKS versions we target."""

import pytest

from harness.manifests.render import K8S, Variant, variant_specs
from harness.manifests.validate import TARGET_VERSIONS, validate_schemas

NAMES = [name for name, _, _ in variant_specs(K8S)]


@pytest.mark.parametrize("name", NAMES)
def test_schemas_strict(variants, name):
    problems = validate_schemas(variants[name])
    assert not problems, "\n".join(problems)
    print(
        f"{name}: {len(variants[name].objects)} objects valid against Kubernetes "
        f"{', '.join(TARGET_VERSIONS)} (strict)"
    )


def test_an_unknown_kind_fails():
    obj = {"apiVersion": "apps/v1", "kind": "Deploymnet", "metadata": {"name": "x"}}
    problems = validate_schemas(Variant("dev", "dev", objects=[obj]))
    assert problems
    assert "kind 'Deploymnet' with apiVersion 'apps/v1' does not exist" in problems[0]


def test_an_unknown_field_fails():
    obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}, "autmount": 1}
    problems = validate_schemas(Variant("dev", "dev", objects=[obj]))
    assert problems
    assert "'autmount' was unexpected" in problems[0], problems
