# dev: a smaller copy of prd that keeps the in-cluster PostgreSQL of k8s/overlays/dev. Every
# setting of the environment is here; modules/environment/variables.tf says what each one means.
# State: dev.backend.hcl.

name        = "users-api-dev"
environment = "dev"
location    = "westeurope"
namespace   = "users-api-dev"

kubernetes_version = "1.34"
cluster_sku_tier   = "Free"
node_pools = {
  vm_size    = "Standard_D2ds_v5"
  zones      = ["1"]
  system_min = 1
  system_max = 2
  apps_min   = 1
  apps_max   = 3
}

network = {
  address_space = "10.10.0.0/16"
  nodes_subnet  = "10.10.0.0/22"
}
service_ports         = [80]
log_retention_in_days = 30

key_vault_name  = "kv-users-api-dev"
secret_names    = ["DJANGO-SECRET-KEY", "DATABASE-URL", "POSTGRES-PASSWORD"]
secrets_version = 1

# The in-cluster PostgreSQL of k8s/components/postgres: its database, user and Service.
database = {
  name               = "users"
  user               = "users"
  in_cluster_service = "users-api-postgres"
}
