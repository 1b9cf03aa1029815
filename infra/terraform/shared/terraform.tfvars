registry_name = "usersapiregistry"
