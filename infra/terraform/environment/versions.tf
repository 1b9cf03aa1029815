terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.2"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # The state storage of every root (docs/infrastructure.md creates it once). Access is through
  # Entra ID (the pipeline's service connection or `az login`), never a storage account key.
  # Each environment has its own state: the key is in <name>.backend.hcl, which `terraform init
  # -backend-config=<name>.backend.hcl` adds; without it init stops and asks for the key.
  backend "azurerm" {
    resource_group_name  = "rg-users-api-tfstate"
    storage_account_name = "stusersapitfstate"
    container_name       = "tfstate"
    use_azuread_auth     = true
  }
}

provider "azurerm" {
  features {}
}
