# The environment's own key vault, holding the secrets its deploy reads (harness/deploy.py,
# k8s/create-secrets.sh). Key Vault names allow only letters, digits and dashes, so each secret
# is the deploy's variable name with dashes for underscores: DJANGO_SECRET_KEY is
# DJANGO-SECRET-KEY.
#
# The values are generated here and never stored: the passwords are ephemeral and reach Azure
# only through write-only arguments, so neither the state nor a saved plan holds them. They are
# written when secrets_version changes (the first apply, then every rotation).

ephemeral "random_password" "django_secret_key" {
  length  = 64
  special = false
}

ephemeral "random_password" "database" {
  length      = 40
  special     = false
  min_lower   = 1
  min_upper   = 1
  min_numeric = 1
}

locals {
  database_host = (
    local.managed_database
    ? one(azurerm_postgresql_flexible_server.this[*].fqdn)
    : "${var.database.in_cluster_service}.${var.namespace}.svc.cluster.local"
  )
  database_user  = local.managed_database ? var.postgresql.administrator_login : var.database.user
  database_query = local.managed_database ? "?sslmode=require" : ""

  secret_values = {
    "DJANGO-SECRET-KEY" = ephemeral.random_password.django_secret_key.result
    "DATABASE-URL"      = "postgresql://${local.database_user}:${ephemeral.random_password.database.result}@${local.database_host}:5432/${var.database.name}${local.database_query}"
    "POSTGRES-PASSWORD" = ephemeral.random_password.database.result
  }
}

resource "azurerm_key_vault" "this" {
  name                          = var.key_vault_name
  location                      = azurerm_resource_group.this.location
  resource_group_name           = azurerm_resource_group.this.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = 90
  public_network_access_enabled = true
  tags                          = local.tags

  network_acls {
    default_action = "Allow"
    bypass         = "AzureServices"
  }
}

# Whoever applies this configuration writes the secrets; the readers (the pipeline's service
# connection) only read them.
resource "azurerm_role_assignment" "secrets_officer" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "azurerm_role_assignment" "secrets_reader" {
  for_each = toset(var.secret_readers)

  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = each.value
}

resource "azurerm_key_vault_secret" "this" {
  for_each = toset(var.secret_names)

  name             = each.value
  key_vault_id     = azurerm_key_vault.this.id
  value_wo         = local.secret_values[each.value]
  value_wo_version = var.secrets_version
  content_type     = "text/plain"
  tags             = local.tags

  depends_on = [azurerm_role_assignment.secrets_officer]
}

resource "azurerm_monitor_diagnostic_setting" "key_vault" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_key_vault.this.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  enabled_log {
    category_group = "audit"
  }
}
