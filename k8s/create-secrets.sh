#!/usr/bin/env bash
# Creates or updates one environment's Secrets from that environment's secret variables.
# The pipeline runs it in each deploy stage, with the stage's own variable group mapped to
# environment variables (dev and prd never share a value):
#
#   NAMESPACE=users-api-dev DJANGO_SECRET_KEY=... DATABASE_URL=... POSTGRES_PASSWORD=... \
#     bash k8s/create-secrets.sh
#
#   users-api-secrets   DJANGO_SECRET_KEY, DATABASE_URL   (both environments)
#   users-api-postgres  POSTGRES_PASSWORD                 (only when set: dev's in-cluster database)
#
# The values never reach a command line (where `ps` would show them) or a file: they go through
# a pipe to `kubectl create --dry-run=client`, whose manifest is piped to `kubectl apply`.
# It also creates the namespace when it does not exist yet.
# With --print it prints the manifest instead of applying it (the manifests gate checks it).
set -euo pipefail

print=false
[[ "${1:-}" == "--print" ]] && print=true

: "${NAMESPACE:?set NAMESPACE to the namespace of the environment (users-api-dev, users-api-prd)}"
: "${DJANGO_SECRET_KEY:?set DJANGO_SECRET_KEY from the variable group of the environment}"
: "${DATABASE_URL:?set DATABASE_URL from the variable group of the environment}"

secret() {  # NAME KEY... : one Secret whose keys are the named environment variables
  local name=$1 key
  shift
  kubectl create secret generic "$name" --namespace "$NAMESPACE" --dry-run=client -o yaml \
    --from-env-file=<(for key in "$@"; do printf '%s=%s\n' "$key" "${!key}"; done)
}

manifests() {
  # The namespace first, so that the Secrets can go in before the first `kubectl apply -k`.
  kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml
  echo "---"
  secret users-api-secrets DJANGO_SECRET_KEY DATABASE_URL
  if [[ -n "${POSTGRES_PASSWORD:-}" ]]; then
    echo "---"
    secret users-api-postgres POSTGRES_PASSWORD
  fi
}

if $print; then
  manifests
else
  manifests | kubectl apply -f -
fi
