# The settings of an environment, each set by its values file (dev.tfvars, prd.tfvars) and
# passed unchanged to modules/environment: the variable of the same name there gives its exact
# type, what it means and the values it accepts (its validations run at plan time), so none of
# that is repeated here. Objects are `any` here for the same reason.

variable "name" {
  type        = string
  description = "Name of the environment's resources (rg-<name>, aks-<name>, ...)."
}

variable "environment" {
  type        = string
  description = "The environment, as the pipeline and k8s/overlays name it: dev or prd."
}

variable "location" {
  type        = string
  description = "Azure region of the environment."
}

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of the environment's overlay."
}

variable "kubernetes_version" {
  type        = string
  description = "AKS Kubernetes minor version."
}

variable "cluster_sku_tier" {
  type        = string
  description = "AKS pricing tier."
}

variable "node_pools" {
  type        = any
  description = "VM size, zones and autoscaler bounds of the node pools."
}

variable "network" {
  type        = any
  description = "Address ranges of the environment's network and subnets."
}

variable "service_ports" {
  type        = list(number)
  description = "Ports of the API's load balancer Service."
}

variable "log_retention_in_days" {
  type        = number
  description = "Retention of the Log Analytics workspace."
}

variable "key_vault_name" {
  type        = string
  description = "Name of the environment's key vault."
}

variable "secret_names" {
  type        = list(string)
  description = "The secrets of the vault."
}

variable "secrets_version" {
  type        = number
  description = "Generation of the generated secrets; raise it to rotate them."
}

variable "database" {
  type        = any
  description = "The API's database, and for an in-cluster one its user and Service."
}

variable "postgresql" {
  type        = any
  description = "Azure Database for PostgreSQL of the environment; null (the default) keeps the in-cluster database."
  default     = null
}
