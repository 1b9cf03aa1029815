"""The gate can fail: each test breaks a copy of infra/ the way a real change could, runs the same
gate, and asserts that it fails with a message naming the file and line, the resource and what
to do."""

import pytest

from harness.iac import gate

ENV = "infra/terraform/modules/environment"
POSTGRESQL = f"{ENV}/postgresql.tf"
CLUSTER = f"{ENV}/cluster.tf"
DEV = "infra/terraform/dev/main.tf"
PRD = "infra/terraform/prd/main.tf"

BREAKAGES = {
    "public-postgresql": (
        POSTGRESQL,
        "public_network_access_enabled = false",
        "public_network_access_enabled = true",
        f"{POSTGRESQL}:38: azurerm_postgresql_flexible_server.this: public_network_access_enabled "
        "is true: the database would accept connections from the internet; set it to false",
    ),
    "registry-admin-user": (
        "infra/terraform/shared/main.tf",
        "admin_enabled           = false",
        "admin_enabled           = true",
        "infra/terraform/shared/main.tf:26: azurerm_container_registry.this: admin_enabled is "
        "true: the registry's admin user is one shared password that can push and pull every "
        "image; disable it",
    ),
    "password-in-the-code": (
        POSTGRESQL,
        "administrator_password_wo         = ephemeral.random_password.database.result",
        'administrator_password            = "Sup3r-S3cret-Passw0rd"',
        f"{POSTGRESQL}:43: azurerm_postgresql_flexible_server.this: administrator_password is a "
        "literal string: a secret written in the code; generate it",
    ),
    "aks-version-the-manifests-do-not-target": (
        DEV,
        'kubernetes_version = "1.34"',
        'kubernetes_version = "1.33"',
        f'{DEV}:18: the Kubernetes version is "1.33": AKS 1.33 is not a version the manifests '
        "gate validates k8s/ against (TARGET_VERSIONS in harness/manifests/versions.py: 1.34, "
        "1.35, 1.36)",
    ),
    "no-network-policy-engine": (
        CLUSTER,
        '    network_policy      = "cilium"\n',
        "",
        f"{CLUSTER}:58: azurerm_kubernetes_cluster.this: network_profile.network_policy is not "
        "set: without a network policy engine (azure, calico, cilium) the NetworkPolicies of "
        "k8s/ are not enforced",
    ),
    "tls-not-required": (
        POSTGRESQL,
        '  value     = "on"',
        '  value     = "off"',
        "azurerm_postgresql_flexible_server_configuration.require_secure_transport: "
        'require_secure_transport is "off": the server must refuse connections without TLS',
    ),
    "namespace-not-the-overlays": (
        DEV,
        'namespace   = "users-api-dev"',
        'namespace   = "users-dev"',
        f'{DEV}:16: namespace "users-dev" of dev, but k8s/overlays/dev deploys to "users-api-dev"',
    ),
    "secret-name-the-deploy-does-not-read": (
        PRD,
        'secret_names    = ["DJANGO-SECRET-KEY", "DATABASE-URL"]',
        'secret_names    = ["DJANGO-SECRET-KEY", "DATABASE_URL"]',
        f'{PRD}:39: the prd key vault holds ["DJANGO-SECRET-KEY", "DATABASE_URL"], but the '
        'deploy of prd reads ["DJANGO-SECRET-KEY", "DATABASE-URL"]',
    ),
    "prd-on-devs-key-vault": (
        PRD,
        'key_vault_name  = "kv-users-api-prd"',
        'key_vault_name  = "kv-users-api-dev"',
        f'{PRD}:38: key_vault_name "kv-users-api-dev" of prd is also dev\'s: dev and prd share '
        "no resource group, cluster, node pool, key vault or database",
    ),
    "database-name-not-the-apis": (
        PRD,
        '    name = "users"',
        '    name = "users_prd"',
        f'{PRD}:42: prd\'s database is "users_prd", but the API\'s database is "users"',
    ),
    "registry-the-pipeline-does-not-push-to": (
        "infra/terraform/shared/terraform.tfvars",
        'registry_name = "usersapiregistry"',
        'registry_name = "usersapiacr"',
        "infra/terraform/shared/terraform.tfvars:1: the registry is usersapiacr.azurecr.io, but "
        "docs/pipeline.md does not give it as ACR_LOGIN_SERVER of users-api-build",
    ),
    "prd-in-another-region-than-its-host-name": (
        PRD,
        'location    = "westeurope"',
        'location    = "northeurope"',
        f'{PRD}:15: prd runs in "northeurope", but its overlay serves '
        "users-api-prd.westeurope.cloudapp.azure.com",
    ),
    "state-read-with-the-storage-key": (
        "infra/terraform/dev/versions.tf",
        "use_azuread_auth     = true",
        "use_azuread_auth     = false",
        "infra/terraform/dev/versions.tf:23: the azurerm backend does not set use_azuread_auth "
        "= true",
    ),
    "no-cluster-name-for-the-pipeline": (
        "infra/terraform/dev/outputs.tf",
        'output "cluster_name" {',
        'output "aks_name" {',
        "infra/terraform/dev: no output cluster_name, which the pipeline's set-up reads",
    ),
    "not-laid-out-as-terraform-fmt-would": (
        DEV,
        '  environment = "dev"',
        '  environment   = "dev"',
        f"{DEV}:14: the `=` is in column 17, `terraform fmt` puts it in column 15",
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_a_broken_copy_fails_with_a_clear_message(copy, name):
    path, old, new, message = BREAKAGES[name]
    copy.replace(path, old, new)
    problems = gate.problems(copy.root / "infra", scan=False)
    assert any(p.startswith(message) or message in p for p in problems), (
        f"expected {message!r} among:\n" + "\n".join(problems)
    )
    print(f"{name}: {next(p for p in problems if message in p)}")


def test_the_committed_tree_passes_without_the_scan():
    assert gate.problems(scan=False) == []


def test_checkov_fails_a_registry_with_its_admin_user_too(copy):
    copy.replace(*BREAKAGES["registry-admin-user"][:3])
    problems = gate.problems(copy.root / "infra")
    wanted = "checkov CKV_AZURE_137 (Ensure ACR admin account is disabled) fails"
    assert any(wanted in p for p in problems), "\n".join(problems)


def test_the_command_prints_every_problem(copy, capsys):
    copy.replace(*BREAKAGES["password-in-the-code"][:3])
    assert gate.main([str(copy.root / "infra")]) == 1
    out = capsys.readouterr().out
    assert "FAIL infra/terraform/modules/environment/postgresql.tf:43:" in out
    assert out.rstrip().endswith("problem(s)")
