# Azure Database for PostgreSQL Flexible Server, for an environment that sets `postgresql` (prd).
# Private access only: the server lives in its delegated subnet, its name resolves through a
# private DNS zone linked to the environment's network, and it accepts TLS connections only.

resource "azurerm_private_dns_zone" "postgresql" {
  count = local.managed_database ? 1 : 0

  name                = "${var.name}.private.postgres.database.azure.com"
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "postgresql" {
  count = local.managed_database ? 1 : 0

  name                 = "vnet-${var.name}"
  private_dns_zone_id  = azurerm_private_dns_zone.postgresql[0].id
  virtual_network_id   = azurerm_virtual_network.this.id
  registration_enabled = false
  resource_group_name  = azurerm_resource_group.this.name
  tags                 = local.tags
}

resource "azurerm_postgresql_flexible_server" "this" {
  count = local.managed_database ? 1 : 0

  name                          = var.postgresql.server_name
  location                      = azurerm_resource_group.this.location
  resource_group_name           = azurerm_resource_group.this.name
  version                       = var.postgresql.version
  sku_name                      = var.postgresql.sku_name
  storage_mb                    = var.postgresql.storage_mb
  auto_grow_enabled             = true
  backup_retention_days         = var.postgresql.backup_retention_days
  geo_redundant_backup_enabled  = var.postgresql.geo_redundant_backup_enabled
  delegated_subnet_id           = azurerm_subnet.postgresql[0].id
  private_dns_zone_id           = azurerm_private_dns_zone.postgresql[0].id
  public_network_access_enabled = false
  zone                          = "1"
  tags                          = local.tags

  administrator_login               = var.postgresql.administrator_login
  administrator_password_wo         = ephemeral.random_password.database.result
  administrator_password_wo_version = var.secrets_version

  authentication {
    password_auth_enabled         = true
    active_directory_auth_enabled = false
  }

  high_availability {
    mode                      = "ZoneRedundant"
    standby_availability_zone = "2"
  }

  maintenance_window {
    day_of_week  = 0
    start_hour   = 2
    start_minute = 0
  }

  lifecycle {
    prevent_destroy = true
    # Azure swaps the zones after a failover; that is not a change to undo.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.postgresql]
}

resource "azurerm_postgresql_flexible_server_configuration" "require_secure_transport" {
  count = local.managed_database ? 1 : 0

  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.this[0].id
  value     = "on"
}

resource "azurerm_postgresql_flexible_server_configuration" "ssl_min_protocol_version" {
  count = local.managed_database ? 1 : 0

  name      = "ssl_min_protocol_version"
  server_id = azurerm_postgresql_flexible_server.this[0].id
  value     = "TLSv1.2"
}

resource "azurerm_postgresql_flexible_server_database" "this" {
  count = local.managed_database ? 1 : 0

  name      = var.database.name
  server_id = azurerm_postgresql_flexible_server.this[0].id
  charset   = "UTF8"
  collation = "en_US.utf8"

  lifecycle {
    prevent_destroy = true
  }
}

resource "azurerm_monitor_diagnostic_setting" "postgresql" {
  count = local.managed_database ? 1 : 0

  name                       = "to-log-analytics"
  target_resource_id         = azurerm_postgresql_flexible_server.this[0].id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  enabled_log {
    category = "PostgreSQLLogs"
  }
}
