# The environment's virtual network: a subnet for the AKS nodes (pods get overlay addresses of
# their own) and, where the environment has a managed database, a subnet delegated to Azure
# Database for PostgreSQL. Each subnet has a network security group.

resource "azurerm_virtual_network" "this" {
  name                = "vnet-${var.name}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = [var.network.address_space]
  tags                = local.tags
}

resource "azurerm_subnet" "nodes" {
  name                 = "snet-aks-nodes"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [var.network.nodes_subnet]
}

resource "azurerm_network_security_group" "nodes" {
  name                = "nsg-${var.name}-aks-nodes"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags

  # The API's Service is an Azure load balancer (k8s/base/service.yaml): its ports must reach
  # the nodes. Everything else inbound keeps the default rules (the virtual network and the
  # load balancer's health probes only).
  security_rule {
    name                       = "allow-service-ports-from-internet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = [for port in var.service_ports : tostring(port)]
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "nodes" {
  subnet_id                 = azurerm_subnet.nodes.id
  network_security_group_id = azurerm_network_security_group.nodes.id
}

resource "azurerm_subnet" "postgresql" {
  count = local.managed_database ? 1 : 0

  name                 = "snet-postgresql"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [var.network.postgresql_subnet]

  delegation {
    name = "postgresql-flexible-server"
    service_delegation {
      name    = "Microsoft.DBforPostgreSQL/flexibleServers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_network_security_group" "postgresql" {
  count = local.managed_database ? 1 : 0

  name                = "nsg-${var.name}-postgresql"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags

  # Only the AKS nodes (and the pods behind them) reach the database, on PostgreSQL's port.
  security_rule {
    name                       = "allow-postgresql-from-aks-nodes"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "5432"
    source_address_prefix      = var.network.nodes_subnet
    destination_address_prefix = var.network.postgresql_subnet
  }

  security_rule {
    name                       = "deny-everything-else-inbound"
    priority                   = 4000
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "postgresql" {
  count = local.managed_database ? 1 : 0

  subnet_id                 = azurerm_subnet.postgresql[0].id
  network_security_group_id = azurerm_network_security_group.postgresql[0].id
}
