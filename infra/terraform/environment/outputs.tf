# What the pipeline's set-up reads of each environment (docs/infrastructure.md, "Outputs").
output "resource_group_name" {
  description = "Resource group of the environment."
  value       = module.environment.resource_group_name
}

output "cluster_name" {
  description = "AKS cluster of the environment."
  value       = module.environment.cluster_name
}

output "key_vault_name" {
  description = "Key vault with the environment's deploy secrets."
  value       = module.environment.key_vault_name
}

output "oidc_issuer_url" {
  description = "OIDC issuer of the cluster, for workload identity federation."
  value       = module.environment.oidc_issuer_url
}

output "postgresql_fqdn" {
  description = "Private host name of the managed PostgreSQL server (the host of DATABASE-URL), null where the database runs in the cluster (dev)."
  value       = module.environment.postgresql_fqdn
}
