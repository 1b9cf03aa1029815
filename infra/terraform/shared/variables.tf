variable "registry_name" {
  type        = string
  description = "Name of the container registry: its login server, <name>.azurecr.io, is ACR_LOGIN_SERVER of the variable group users-api-build (docs/pipeline.md)."

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{5,50}$", var.registry_name))
    error_message = "A registry name has 5 to 50 letters and digits, nothing else."
  }
}
