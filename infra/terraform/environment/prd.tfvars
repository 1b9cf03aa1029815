# prd: the production environment, with Azure Database for PostgreSQL. Every setting of the
# environment is here; modules/environment/variables.tf says what each one means.
# State: prd.backend.hcl.

name        = "users-api-prd"
environment = "prd"
location    = "westeurope"
namespace   = "users-api-prd"

kubernetes_version = "1.34"
cluster_sku_tier   = "Standard"
node_pools = {
  vm_size    = "Standard_D2ds_v5"
  zones      = ["1", "2", "3"]
  system_min = 3
  system_max = 4
  apps_min   = 3
  apps_max   = 6
}

network = {
  address_space     = "10.20.0.0/16"
  nodes_subnet      = "10.20.0.0/22"
  postgresql_subnet = "10.20.8.0/24"
}
service_ports         = [80]
log_retention_in_days = 90

key_vault_name  = "kv-users-api-prd"
secret_names    = ["DJANGO-SECRET-KEY", "DATABASE-URL"]
secrets_version = 1

database = {
  name = "users"
}
postgresql = {
  server_name                  = "psql-users-api-prd"
  version                      = "17"
  sku_name                     = "GP_Standard_D2ds_v5"
  storage_mb                   = 32768
  backup_retention_days        = 14
  geo_redundant_backup_enabled = true
  administrator_login          = "users_admin"
}
