"""The gate can fail: each test breaks a copy of infra/ the way a real change could, runs the same
gate, and asserts that it fails with a message naming the file and line, the resource and what
to do. A value of one environment is broken in that environment's values file, and the message
names that file."""

import pytest

from harness.iac import cross, gate

ENV = "infra/terraform/modules/environment"
POSTGRESQL = f"{ENV}/postgresql.tf"
CLUSTER = f"{ENV}/cluster.tf"
ROOT = "infra/terraform/environment"
DEV = f"{ROOT}/dev.tfvars"
PRD = f"{ROOT}/prd.tfvars"

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
        f'{DEV}:10: the Kubernetes version is "1.33": AKS 1.33 is not a version the manifests '
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
        f'{DEV}:8: namespace "users-dev" of dev, but k8s/overlays/dev deploys to "users-api-dev"',
    ),
    "secret-name-the-deploy-does-not-read": (
        PRD,
        'secret_names    = ["DJANGO-SECRET-KEY", "DATABASE-URL"]',
        'secret_names    = ["DJANGO-SECRET-KEY", "DATABASE_URL"]',
        f'{PRD}:30: the prd key vault holds ["DJANGO-SECRET-KEY", "DATABASE_URL"], but the '
        'deploy of prd reads ["DJANGO-SECRET-KEY", "DATABASE-URL"]',
    ),
    "prd-on-devs-key-vault": (
        PRD,
        'key_vault_name  = "kv-users-api-prd"',
        'key_vault_name  = "kv-users-api-dev"',
        f'{PRD}:29: key_vault_name "kv-users-api-dev" of prd is also dev\'s: dev and prd share '
        "no resource group, cluster, node pool, key vault or database",
    ),
    "database-name-not-the-apis": (
        PRD,
        '  name = "users"',
        '  name = "users_prd"',
        f'{PRD}:33: prd\'s database is "users_prd", but the API\'s database is "users"',
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
        f'{PRD}:7: prd runs in "northeurope", but its overlay serves '
        "users-api-prd.westeurope.cloudapp.azure.com",
    ),
    "state-read-with-the-storage-key": (
        f"{ROOT}/versions.tf",
        "use_azuread_auth     = true",
        "use_azuread_auth     = false",
        f"{ROOT}/versions.tf:23: the azurerm backend of prd does not set use_azuread_auth = true",
    ),
    "no-cluster-name-for-the-pipeline": (
        f"{ROOT}/outputs.tf",
        'output "cluster_name" {',
        'output "aks_name" {',
        f"{ROOT}: no output cluster_name, which the pipeline's set-up reads",
    ),
    "not-laid-out-as-terraform-fmt-would": (
        DEV,
        'environment = "dev"',
        'environment   = "dev"',
        f"{DEV}:6: the `=` is in column 15, `terraform fmt` puts it in column 13",
    ),
    "prd-without-the-uptime-sla": (
        PRD,
        'cluster_sku_tier   = "Standard"',
        'cluster_sku_tier   = "Free"',
        f"{PRD}:11: prd's cluster runs without the uptime SLA (cluster_sku_tier Free)",
    ),
    "prd-in-one-zone-though-its-overlay-spreads": (
        PRD,
        'zones      = ["1", "2", "3"]',
        'zones      = ["1"]',
        f"{PRD}:12: k8s/overlays/prd spreads the API across availability zones, but its node "
        "pools are in fewer than two zones",
    ),
    "prd-on-another-postgresql-major-version": (
        PRD,
        'version                      = "17"',
        'version                      = "16"',
        f"{PRD}:36: prd runs PostgreSQL 16, but dev's in-cluster database runs 17",
    ),
    "prd-on-devs-state": (
        f"{ROOT}/prd.backend.hcl",
        'key = "prd.tfstate"',
        'key = "dev.tfstate"',
        f'{ROOT}/prd.backend.hcl:2: the state key "dev.tfstate" of prd is also dev\'s '
        f"({ROOT}/dev.backend.hcl:2): each root and each environment needs a state of its own",
    ),
    "every-environment-on-one-state": (
        f"{ROOT}/versions.tf",
        '    container_name       = "tfstate"\n',
        '    container_name       = "tfstate"\n    key                  = "env.tfstate"\n',
        f'{ROOT}/versions.tf:23: the backend of {ROOT} sets key "env.tfstate" for all its '
        "environments: terraform init without a backend file would take it for any of them",
    ),
    "values-file-named-after-another-environment": (
        PRD,
        'environment = "prd"',
        'environment = "dev"',
        f'{PRD}:6: {PRD} describes environment "dev": the pipeline plans prd with prd.tfvars '
        "and prd.backend.hcl",
    ),
    "values-file-sets-what-the-root-does-not-take": (
        PRD,
        "log_retention_in_days = 90\n",
        "log_retention_in_days = 90\nlog_retention = 90\n",
        f"{PRD}:28: log_retention is no input of {ROOT} (its variables.tf): Terraform would "
        "ignore it",
    ),
    "values-file-misses-a-setting": (
        PRD,
        "log_retention_in_days = 90\n",
        "",
        f"{PRD}: does not set log_retention_in_days, an input of {ROOT} without a default",
    ),
    "password-in-a-values-file": (
        PRD,
        "secrets_version = 1\n",
        'secrets_version = 1\nadmin_password  = "Sup3r-S3cret-Passw0rd"\n',
        f"{PRD}:32: admin_password is set in a tfvars file: a secret",
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


def test_an_environment_without_its_backend_file_fails(copy):
    (copy.root / ROOT / "prd.backend.hcl").unlink()
    problems = gate.problems(copy.root / "infra", scan=False)
    assert f"{PRD}: no prd.backend.hcl beside it: prd has no state key of its own" in "\n".join(
        problems
    )
    assert any(
        p.startswith(f"{ROOT}/versions.tf:19: the azurerm backend of prd does not set key")
        for p in problems
    ), problems


def test_an_environment_the_pipeline_never_plans_fails(copy, monkeypatch):
    """The pipeline is read from the copy: a stage that plans prd under another name leaves prd
    without a plan and names a target that does not exist."""
    copy.replace("azure-pipelines.yml", "      name: prd\n", "      name: prod\n")
    calls = cross.pipeline_terraform_calls(copy.root)
    monkeypatch.setattr(cross, "pipeline_terraform_calls", lambda: calls)
    problems = "\n".join(gate.problems(copy.root / "infra", scan=False))
    assert f"{PRD}: no stage of the pipeline runs `ci_terraform.sh plan prd`" in problems
    assert (
        "azure-pipelines.yml: stage Infra_prod, job Apply runs `ci_terraform.sh apply prod`, but "
        "prod is no environment values file nor root of infra/terraform (dev, prd, shared)"
    ) in problems


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
