output "registry_login_server" {
  description = "ACR_LOGIN_SERVER of the variable group users-api-build: where Build pushes the image."
  value       = azurerm_container_registry.this.login_server
}

output "registry_id" {
  description = "ID of the registry, on which each environment grants its kubelet AcrPull."
  value       = azurerm_container_registry.this.id
}

output "resource_group_name" {
  description = "Resource group of the shared resources."
  value       = azurerm_resource_group.this.name
}
