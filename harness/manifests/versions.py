"""The AKS Kubernetes versions k8s/ is validated against, in one place: the manifests gate checks
every object against each one's schema, and the iac gate checks that the clusters of
infra/terraform run one of them. Standard library only, so any gate can import it."""

# The AKS Kubernetes minor versions the clusters run or are upgraded to next. Keep it in step with
# the AKS supported-versions calendar (k8s/README.md).
TARGET_VERSIONS = ("1.34", "1.35", "1.36")
