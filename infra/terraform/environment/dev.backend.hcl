# dev's state in the storage of versions.tf: terraform init -reconfigure -backend-config=dev.backend.hcl
key = "dev.tfstate"
