# prd's state in the storage of versions.tf: terraform init -reconfigure -backend-config=prd.backend.hcl
key = "prd.tfstate"
