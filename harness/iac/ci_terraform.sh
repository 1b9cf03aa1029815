#!/usr/bin/env bash
# The pipeline's Terraform steps for one root of infra/terraform or one environment:
#
#   bash harness/iac/ci_terraform.sh install           # the pinned Terraform, unless it is there
#   bash harness/iac/ci_terraform.sh plan NAME DIR     # init and plan; the plan saved in DIR
#   bash harness/iac/ci_terraform.sh apply NAME DIR    # init and apply of the plan saved in DIR
#
# NAME is a root of its own (shared: infra/terraform/shared) or an environment (dev, prd): the
# root infra/terraform/environment with that environment's values and state, taken from the one
# name so that they always go together:
#   init -reconfigure -backend-config=NAME.backend.hcl    (its own state key)
#   plan -var-file=NAME.tfvars                             (its values; the saved plan keeps them)
# -reconfigure: a .terraform/ left by another environment is never reused, nor its state moved.
#
# The pipeline runs it in an AzureCLI@2 step, where az is logged in with the environment's
# service connection: Terraform's backend and provider both authenticate through az (Entra ID),
# with no key or secret. By hand, after `az login`, it does the same.
#
# plan writes DIR/NAME.tfplan (what apply applies, and nothing else), DIR/NAME.plan.txt (the
# plan as text, for the approver), DIR/NAME.terraform.lock.hcl (the provider versions the plan
# was made with, which apply must use) and DIR/NAME.changes (true or false). In the pipeline it
# also sets the step's output variable `changes`, so an apply with nothing to do is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."

TERRAFORM_VERSION=1.15.9 # within every root's required_version (the iac gate checks it)

say() { printf 'terraform: %s\n' "$*"; }

install() {
  if command -v terraform >/dev/null &&
    terraform version -json | grep -q "\"terraform_version\": *\"$TERRAFORM_VERSION\""; then
    say "Terraform $TERRAFORM_VERSION is installed"
    return
  fi
  # HashiCorp's apt repository; apt checks every package against HashiCorp's signing key.
  local keyring=/usr/share/keyrings/hashicorp-archive-keyring.gpg codename
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
  curl -fsSL https://apt.releases.hashicorp.com/gpg | sudo gpg --dearmor --yes -o "$keyring"
  echo "deb [signed-by=$keyring] https://apt.releases.hashicorp.com $codename main" |
    sudo tee /etc/apt/sources.list.d/hashicorp.list >/dev/null
  sudo apt-get update -qq
  sudo apt-get install -y -qq "terraform=$TERRAFORM_VERSION-1"
  terraform version
}

ENVIRONMENTS=infra/terraform/environment # the root of every environment

# Sets dir (the root), init_args and plan_args (an environment's backend and values files).
configuration() {
  local name=${1:?name a root or an environment: shared, dev or prd}
  init_args=() plan_args=()
  if [[ -f infra/terraform/$name/versions.tf && $name != "${ENVIRONMENTS##*/}" ]]; then
    dir=infra/terraform/$name
  elif [[ -f $ENVIRONMENTS/$name.tfvars && -f $ENVIRONMENTS/$name.backend.hcl ]]; then
    dir=$ENVIRONMENTS
    init_args=(-reconfigure "-backend-config=$name.backend.hcl")
    plan_args=("-var-file=$name.tfvars")
  else
    echo "terraform: $name is neither a root of infra/terraform nor an environment" \
      "($ENVIRONMENTS/$name.tfvars and $name.backend.hcl)" >&2
    exit 2
  fi
}

subscription() {
  # The azurerm provider needs the subscription; it is the one az is logged in to.
  if [[ -z ${ARM_SUBSCRIPTION_ID:-} ]]; then
    ARM_SUBSCRIPTION_ID=$(az account show --query id --output tsv)
    export ARM_SUBSCRIPTION_ID
  fi
}

plan() {
  local name=$1 out=${2:?give the folder for the plan} dir init_args plan_args
  configuration "$name"
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  subscription
  terraform -chdir="$dir" init -input=false -no-color "${init_args[@]}"
  local status=0
  terraform -chdir="$dir" plan -input=false -no-color -detailed-exitcode "${plan_args[@]}" \
    -out="$out/$name.tfplan" || status=$?
  case $status in
    0) changes=false ;;
    2) changes=true ;;
    *) say "plan of $name failed (exit $status)"; exit "$status" ;;
  esac
  terraform -chdir="$dir" show -no-color "$out/$name.tfplan" >"$out/$name.plan.txt"
  cp "$dir/.terraform.lock.hcl" "$out/$name.terraform.lock.hcl"
  echo "$changes" >"$out/$name.changes"
  say "plan of $name saved in $out/$name.tfplan; changes: $changes"
  echo "##vso[task.setvariable variable=changes;isOutput=true]$changes"
}

apply() {
  local name=$1 in=${2:?give the folder of the saved plan} dir init_args plan_args
  configuration "$name"
  in=$(cd "$in" && pwd)
  [[ -f $in/$name.tfplan ]] || { echo "terraform: no saved plan $in/$name.tfplan" >&2; exit 2; }
  subscription
  # The provider versions the plan was made with; init may not pick others. The saved plan
  # holds the environment's values, so apply takes no -var-file.
  cp "$in/$name.terraform.lock.hcl" "$dir/.terraform.lock.hcl"
  terraform -chdir="$dir" init -input=false -no-color -lockfile=readonly "${init_args[@]}"
  terraform -chdir="$dir" apply -input=false -no-color "$in/$name.tfplan"
  terraform -chdir="$dir" output -no-color
}

case "${1:-}" in
  install) install ;;
  plan) plan "${2:-}" "${3:-}" ;;
  apply) apply "${2:-}" "${3:-}" ;;
  *)
    echo "usage: $0 install | plan NAME DIR | apply NAME DIR" >&2
    exit 2
    ;;
esac
