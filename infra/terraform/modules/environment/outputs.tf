output "resource_group_name" {
  description = "Resource group of the environment (the Azure Monitor alerts check of users-prd names it)."
  value       = azurerm_resource_group.this.name
}

output "cluster_name" {
  description = "Name of the AKS cluster (the Kubernetes service connection of the environment points at it)."
  value       = azurerm_kubernetes_cluster.this.name
}

output "oidc_issuer_url" {
  description = "OIDC issuer of the cluster, for workload identity federation."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "key_vault_name" {
  description = "Name of the environment's key vault, which holds the deploy's secrets."
  value       = azurerm_key_vault.this.name
}

output "log_analytics_workspace_id" {
  description = "ID of the environment's Log Analytics workspace."
  value       = azurerm_log_analytics_workspace.this.id
}

output "postgresql_fqdn" {
  description = "Private host name of the managed PostgreSQL server, null where the database runs in the cluster."
  value       = one(azurerm_postgresql_flexible_server.this[*].fqdn)
}
