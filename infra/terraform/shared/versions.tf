terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.2"
    }
  }

  # The state storage of every root (docs/infrastructure.md creates it once); each root, and
  # each environment, has its own key. Access is through Entra ID (the pipeline's service connection or `az login`), never
  # a storage account key.
  backend "azurerm" {
    resource_group_name  = "rg-users-api-tfstate"
    storage_account_name = "stusersapitfstate"
    container_name       = "tfstate"
    key                  = "shared.tfstate"
    use_azuread_auth     = true
  }
}

provider "azurerm" {
  features {}
}
