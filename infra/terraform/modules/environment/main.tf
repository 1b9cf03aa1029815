# One environment of the users API: everything the pipeline deploys to, in a resource group of
# its own. dev and prd are this module with different values (infra/terraform/environment, one
# values file each), so dev runs the same kind of cluster, network, vault and monitoring as prd.
# Only the database differs: prd has Azure Database for PostgreSQL, dev keeps the in-cluster
# PostgreSQL of k8s/overlays/dev.
#
# Files: network.tf (virtual network, subnets, security groups), cluster.tf (AKS, its node pools,
# its pull access to the registry), key_vault.tf (the deploy's secrets), postgresql.tf (prd's
# managed database), this file (resource group, monitoring).

data "azurerm_client_config" "current" {}

locals {
  managed_database = var.postgresql != null
  tags = merge(var.tags, {
    application = "users-api"
    environment = var.environment
  })
}

resource "azurerm_resource_group" "this" {
  name     = "rg-${var.name}"
  location = var.location
  tags     = local.tags
}

# Container Insights of the cluster, the control plane's logs and the audit logs of the vault
# (and of the database, in prd) all go to this workspace.
resource "azurerm_log_analytics_workspace" "this" {
  name                         = "log-${var.name}"
  location                     = azurerm_resource_group.this.location
  resource_group_name          = azurerm_resource_group.this.name
  sku                          = "PerGB2018"
  retention_in_days            = var.log_retention_in_days
  local_authentication_enabled = false
  tags                         = local.tags
}
