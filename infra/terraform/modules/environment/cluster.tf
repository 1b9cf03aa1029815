# The environment's AKS cluster: a system node pool for the cluster's own add-ons and an
# autoscaling pool for the API, Azure CNI (overlay) powered by Cilium, which enforces the
# NetworkPolicies of k8s/, workload identity with its OIDC issuer, Container Insights, and pull
# access to the shared registry for the kubelet identity. metrics-server, which the API's
# HorizontalPodAutoscaler reads, is part of every AKS cluster and needs no setting here.

resource "azurerm_kubernetes_cluster" "this" {
  name                = "aks-${var.name}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  dns_prefix          = "aks-${var.name}"
  tags                = local.tags

  # A minor version such as 1.34: AKS runs its newest patch, and the patch channel keeps it up
  # to date without leaving the minor versions the manifests gate validates against.
  kubernetes_version        = var.kubernetes_version
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"
  sku_tier                  = var.cluster_sku_tier

  oidc_issuer_enabled               = true
  workload_identity_enabled         = true
  role_based_access_control_enabled = true
  azure_policy_enabled              = true
  image_cleaner_enabled             = true
  image_cleaner_interval_hours      = 48

  default_node_pool {
    name                         = "system"
    vm_size                      = var.node_pools.vm_size
    zones                        = var.node_pools.zones
    vnet_subnet_id               = azurerm_subnet.nodes.id
    orchestrator_version         = var.kubernetes_version
    only_critical_addons_enabled = true
    auto_scaling_enabled         = true
    min_count                    = var.node_pools.system_min
    max_count                    = var.node_pools.system_max
    max_pods                     = 110
    os_disk_type                 = "Ephemeral"
    os_disk_size_gb              = 64
    host_encryption_enabled      = true
    temporary_name_for_rotation  = "systemtmp"
    tags                         = local.tags

    upgrade_settings {
      max_surge = "33%"
    }
  }

  node_provisioning_profile {
    mode = "Manual"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    pod_cidr            = "192.168.0.0/16"
    service_cidr        = "172.16.0.0/16"
    dns_service_ip      = "172.16.0.10"
    load_balancer_sku   = "standard"
    outbound_type       = "loadBalancer"
  }

  oms_agent {
    log_analytics_workspace_id      = azurerm_log_analytics_workspace.this.id
    msi_auth_for_monitoring_enabled = true
  }

  key_vault_secrets_provider {
    secret_rotation_enabled = true
  }

  lifecycle {
    # The cluster autoscaler owns the node count.
    ignore_changes = [default_node_pool[0].node_count]
  }
}

# The API's pods run here (the system pool is tainted for critical add-ons only).
resource "azurerm_kubernetes_cluster_node_pool" "apps" {
  name                        = "apps"
  kubernetes_cluster_id       = azurerm_kubernetes_cluster.this.id
  mode                        = "User"
  vm_size                     = var.node_pools.vm_size
  zones                       = var.node_pools.zones
  vnet_subnet_id              = azurerm_subnet.nodes.id
  orchestrator_version        = var.kubernetes_version
  auto_scaling_enabled        = true
  min_count                   = var.node_pools.apps_min
  max_count                   = var.node_pools.apps_max
  max_pods                    = 110
  os_disk_type                = "Ephemeral"
  os_disk_size_gb             = 64
  host_encryption_enabled     = true
  temporary_name_for_rotation = "appstmp"
  tags                        = local.tags

  upgrade_settings {
    max_surge = "33%"
  }

  lifecycle {
    ignore_changes = [node_count]
  }
}

# The kubelet pulls the API's image from the shared registry with its own identity: no pull
# secret, no registry password.
resource "azurerm_role_assignment" "acr_pull" {
  scope                            = var.registry_id
  role_definition_name             = "AcrPull"
  principal_id                     = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
  skip_service_principal_aad_check = true
}

resource "azurerm_monitor_diagnostic_setting" "cluster" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_kubernetes_cluster.this.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  enabled_log {
    category = "kube-audit-admin"
  }

  enabled_log {
    category = "cluster-autoscaler"
  }

  enabled_log {
    category = "kube-apiserver"
  }
}
