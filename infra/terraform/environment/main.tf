# The one root of every environment: dev and prd are this configuration with their own values
# (<name>.tfvars) and their own state (<name>.backend.hcl), so they differ in values only. Plan
# and apply name the environment once (harness/iac/ci_terraform.sh plan dev DIR), which picks
# both files; docs/infrastructure.md has the commands by hand.

# The one registry the pipeline pushes to and every cluster pulls from (infra/terraform/shared).
data "azurerm_container_registry" "shared" {
  name                = "usersapiregistry"
  resource_group_name = "rg-users-api-shared"
}

# Every setting comes from the environment's values file, unchanged; the module says what each
# one means and which values it accepts.
module "environment" {
  source = "../modules/environment"

  name        = var.name
  environment = var.environment
  location    = var.location
  namespace   = var.namespace

  kubernetes_version = var.kubernetes_version
  cluster_sku_tier   = var.cluster_sku_tier
  node_pools         = var.node_pools

  network               = var.network
  service_ports         = var.service_ports
  log_retention_in_days = var.log_retention_in_days
  registry_id           = data.azurerm_container_registry.shared.id

  key_vault_name  = var.key_vault_name
  secret_names    = var.secret_names
  secrets_version = var.secrets_version

  database   = var.database
  postgresql = var.postgresql
}
