# What dev and prd share: the one container registry. The pipeline's Build stage pushes each
# image once (ACR_LOGIN_SERVER of the variable group users-api-build), and both clusters pull
# that same digest with their kubelet identity (AcrPull, granted by each environment).

resource "azurerm_resource_group" "this" {
  name     = "rg-users-api-shared"
  location = "westeurope" # the environments' region
  tags     = local.tags
}

locals {
  tags = {
    application = "users-api"
    environment = "shared"
  }
}

resource "azurerm_container_registry" "this" {
  name                = var.registry_name
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags

  # Premium: zone redundancy, retention of untagged manifests, dedicated data endpoints.
  sku                     = "Premium"
  admin_enabled           = false
  anonymous_pull_enabled  = false
  zone_redundancy_enabled = true
  data_endpoint_enabled   = true
  # Images are pushed with tags (commit SHA, build id); what loses its tags goes after a week.
  retention_policy_in_days = 7
}
