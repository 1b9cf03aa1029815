"""infra/terraform agrees with what the rest of the repository expects of it: the Kubernetes
versions the manifests gate validates against, the registry the pipeline's docs name, the
namespaces, Key Vault secret names and database of k8s/ and harness/deploy.py, dev and prd
sharing nothing but the registry, and the pipeline planning every environment."""

import pytest

from harness import deploy
from harness.common.paths import ROOT
from harness.iac import cross
from harness.manifests.versions import TARGET_VERSIONS


@pytest.fixture(scope="module")
def envs(tree):
    return {env.name: env for env in cross.environments(tree)}


@pytest.mark.parametrize("name", sorted(cross.CHECKS))
def test_infra_agrees_with_the_repository(tree, name):
    problems = cross.CHECKS[name](tree)
    assert not problems, "\n".join([f"infra/ and the repository disagree ({name}):", *problems])


def test_the_environments_are_the_overlays(envs):
    assert sorted(envs) == ["dev", "prd"]
    for name, env in envs.items():
        assert (ROOT / "k8s" / "overlays" / name / "kustomization.yaml").is_file()
        assert env.values.name == f"infra/terraform/environment/{name}.tfvars"
        assert env.where("namespace") == f"infra/terraform/environment/{name}.tfvars:8"


def test_the_pipeline_plans_and_applies_every_environment_and_root(tree):
    calls = cross.pipeline_terraform_calls()
    targets = cross.terraform_targets(tree)
    assert sorted(targets) == ["dev", "prd", "shared"]
    assert sorted(calls["plan"]) == sorted(calls["apply"]) == sorted(targets)
    print({name: calls["plan"][name] for name in targets})


def test_each_cluster_runs_a_version_the_manifests_are_validated_for(envs):
    for env in envs.values():
        assert env.arg("kubernetes_version") in TARGET_VERSIONS
        print(f"{env.name}: AKS {env.arg('kubernetes_version')}, target {TARGET_VERSIONS}")


def test_the_registry_is_acr_login_server_of_the_pipeline(tree):
    name, group, _ = cross.registry_name(tree)
    server = f"{name}.azurecr.io"
    assert server in (ROOT / "docs" / "pipeline.md").read_text()
    assert f"ACR_LOGIN_SERVER ({server}" in (ROOT / "azure-pipelines.yml").read_text()
    print(f"ACR_LOGIN_SERVER {server} in resource group {group}")


def test_each_vault_holds_the_secrets_its_deploy_reads(envs):
    dev, prd = envs["dev"].arg("secret_names"), envs["prd"].arg("secret_names")
    names = [key.replace("_", "-") for key in deploy.SECRET_KEYS]
    assert sorted(prd) == sorted(names)
    assert sorted(dev) == sorted(names + [k.replace("_", "-") for k in deploy.OPTIONAL_SECRET_KEYS])
    print(f"dev vault: {dev}; prd vault: {prd}")


def test_the_database_is_the_apis(envs):
    assert envs["dev"].arg("database", "name") == envs["prd"].arg("database", "name") == "users"
    assert envs["prd"].arg("postgresql") is not None
    assert envs["dev"].arg("postgresql") is None  # dev keeps the in-cluster PostgreSQL


def test_dev_and_prd_share_no_vault_database_or_node_pool(envs):
    dev, prd = envs["dev"], envs["prd"]
    for path in (("name",), ("key_vault_name",), ("network", "address_space")):
        assert dev.arg(*path) != prd.arg(*path), path
    assert dev.root is prd.root  # one configuration, two values files and two states
    keys = [env.root.backend_settings(env.key)["key"][0] for env in (dev, prd)]
    assert keys == ["dev.tfstate", "prd.tfstate"]
    print(
        f"dev: {dev.arg('name')}, {dev.arg('key_vault_name')}, in-cluster database; "
        f"prd: {prd.arg('name')}, {prd.arg('key_vault_name')}, "
        f"{prd.arg('postgresql', 'server_name')}"
    )
