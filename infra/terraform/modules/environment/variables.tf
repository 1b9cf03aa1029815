variable "name" {
  type        = string
  description = "Name of the environment's resources, e.g. users-api-dev: its resource group is rg-<name>, its cluster aks-<name>, its network vnet-<name>."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}[a-z0-9]$", var.name))
    error_message = "The name has 4 to 32 lower-case letters, digits and dashes, and starts with a letter."
  }
}

variable "environment" {
  type        = string
  description = "The environment this is (dev, prd), as the pipeline and k8s/overlays name it."

  validation {
    condition     = can(regex("^[a-z]{2,8}$", var.environment))
    error_message = "The environment is a short lower-case word such as dev or prd."
  }
}

variable "location" {
  type        = string
  description = "Azure region of every resource of the environment, e.g. westeurope."

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "The region is an Azure location name such as westeurope (lower case, no spaces)."
  }
}

variable "namespace" {
  type        = string
  description = "The Kubernetes namespace of the environment's overlay (k8s/overlays/<environment>), which the deploy uses."

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "A namespace is a DNS label: at most 63 lower-case letters, digits and dashes."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "AKS Kubernetes minor version (e.g. 1.34), one of the versions the manifests gate validates k8s/ against (TARGET_VERSIONS in harness/manifests/versions.py)."

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "Give a minor version such as 1.34: AKS picks its newest patch, and the patch channel keeps it current."
  }
}

variable "cluster_sku_tier" {
  type        = string
  description = "AKS pricing tier: Free (no uptime SLA) or Standard (the uptime SLA, for prd)."

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.cluster_sku_tier)
    error_message = "The tier is Free, Standard or Premium."
  }
}

variable "node_pools" {
  type = object({
    vm_size    = string
    zones      = list(string)
    system_min = number
    system_max = number
    apps_min   = number
    apps_max   = number
  })
  description = "Size of the node pools: the VM size, the availability zones, and the autoscaler's bounds of the system pool and of the apps pool that runs the API."

  validation {
    condition = (
      var.node_pools.system_min >= 1 && var.node_pools.system_min <= var.node_pools.system_max &&
      var.node_pools.apps_min >= 1 && var.node_pools.apps_min <= var.node_pools.apps_max
    )
    error_message = "Each pool needs at least one node and a minimum no larger than its maximum."
  }

  validation {
    condition     = alltrue([for zone in var.node_pools.zones : contains(["1", "2", "3"], zone)])
    error_message = "Availability zones are \"1\", \"2\" and \"3\"."
  }
}

variable "network" {
  type = object({
    address_space     = string
    nodes_subnet      = string
    postgresql_subnet = optional(string)
  })
  description = "Address ranges of the environment's virtual network, of the nodes' subnet, and of the subnet delegated to the managed database (only with postgresql)."

  validation {
    condition     = can(cidrhost(var.network.address_space, 0)) && can(cidrhost(var.network.nodes_subnet, 0))
    error_message = "address_space and nodes_subnet are CIDR blocks such as 10.10.0.0/16 and 10.10.0.0/22."
  }

  validation {
    condition     = (var.network.postgresql_subnet != null) == (var.postgresql != null)
    error_message = "Give postgresql_subnet exactly when the environment has a managed database (postgresql)."
  }
}

variable "service_ports" {
  type        = list(number)
  description = "Ports of the API's load balancer Service (k8s/base/service.yaml), which the nodes' security group lets in from the internet."

  validation {
    condition     = length(var.service_ports) > 0 && alltrue([for port in var.service_ports : port > 0 && port < 65536])
    error_message = "Give at least one TCP port between 1 and 65535."
  }
}

variable "log_retention_in_days" {
  type        = number
  description = "How long the Log Analytics workspace keeps the cluster's logs and metrics, in days."

  validation {
    condition     = var.log_retention_in_days >= 30 && var.log_retention_in_days <= 730
    error_message = "Log Analytics keeps data between 30 and 730 days."
  }
}

variable "registry_id" {
  type        = string
  description = "ID of the shared container registry (infra/terraform/shared) the kubelet pulls the API's image from."

  validation {
    condition     = can(regex("/providers/Microsoft.ContainerRegistry/registries/[A-Za-z0-9]+$", var.registry_id))
    error_message = "The registry ID is an Azure resource ID of a container registry."
  }
}

variable "key_vault_name" {
  type        = string
  description = "Name of the environment's own key vault (globally unique, 3 to 24 characters)."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.key_vault_name))
    error_message = "A key vault name has 3 to 24 letters, digits and dashes, starts with a letter and does not end with a dash."
  }
}

variable "secret_names" {
  type        = list(string)
  description = "The secrets of the vault: the deploy's variables (harness/deploy.py) with dashes for underscores. POSTGRES-PASSWORD only where the database runs in the cluster."

  validation {
    condition     = alltrue([for name in var.secret_names : can(regex("^[0-9A-Za-z-]{1,127}$", name))])
    error_message = "Key Vault secret names hold only letters, digits and dashes."
  }

  validation {
    condition = (
      contains(var.secret_names, "DJANGO-SECRET-KEY") && contains(var.secret_names, "DATABASE-URL") &&
      contains(var.secret_names, "POSTGRES-PASSWORD") == (var.postgresql == null)
    )
    error_message = "The vault holds DJANGO-SECRET-KEY and DATABASE-URL, and POSTGRES-PASSWORD exactly when the database runs in the cluster."
  }
}

variable "secrets_version" {
  type        = number
  description = "Generation of the generated secrets: raise it by one to rotate the Django secret key and the database password (written once per value)."

  validation {
    condition     = var.secrets_version >= 1 && floor(var.secrets_version) == var.secrets_version
    error_message = "The secrets version is a whole number, 1 or more."
  }
}

variable "secret_readers" {
  type        = list(string)
  description = "Object IDs of the principals that read the vault's secrets (the pipeline's Azure service connection); they get Key Vault Secrets User."
  default     = []

  validation {
    condition     = alltrue([for id in var.secret_readers : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", id))])
    error_message = "Each reader is an Entra ID object ID (a lower-case GUID)."
  }
}

variable "database" {
  type = object({
    name               = string
    user               = optional(string)
    in_cluster_service = optional(string)
  })
  description = "The API's database: its name, and for an in-cluster database (dev) its user and Service (k8s/components/postgres)."

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database.name))
    error_message = "The database name is a plain PostgreSQL identifier."
  }

  validation {
    condition     = (var.database.in_cluster_service == null) == (var.postgresql != null) && (var.database.user == null) == (var.postgresql != null)
    error_message = "Give user and in_cluster_service exactly when the database runs in the cluster (no postgresql)."
  }
}

variable "postgresql" {
  type = object({
    server_name                  = string
    version                      = string
    sku_name                     = string
    storage_mb                   = number
    backup_retention_days        = number
    geo_redundant_backup_enabled = bool
    administrator_login          = string
  })
  description = "Azure Database for PostgreSQL Flexible Server of the environment, or null to keep the in-cluster database of k8s/overlays/dev."
  default     = null

  validation {
    condition     = var.postgresql == null || try(var.postgresql.backup_retention_days >= 7 && var.postgresql.backup_retention_days <= 35, false)
    error_message = "Backups are kept between 7 and 35 days."
  }

  validation {
    condition     = var.postgresql == null || try(can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.postgresql.server_name)), false)
    error_message = "A server name has 3 to 63 lower-case letters, digits and dashes."
  }

  validation {
    condition     = var.postgresql == null || try(contains(["16", "17", "18"], var.postgresql.version), false)
    error_message = "The PostgreSQL major version is 16, 17 or 18."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags every resource of the environment carries, besides application and environment."
  default     = {}
}
