#!/usr/bin/env bash
# The pipeline's Terraform steps for one root of infra/terraform (shared, dev or prd):
#
#   bash harness/iac/ci_terraform.sh install           # the pinned Terraform, unless it is there
#   bash harness/iac/ci_terraform.sh plan ROOT DIR     # init and plan; the plan saved in DIR
#   bash harness/iac/ci_terraform.sh apply ROOT DIR    # init and apply of the plan saved in DIR
#
# The pipeline runs it in an AzureCLI@2 step, where az is logged in with the environment's
# service connection: Terraform's backend and provider both authenticate through az (Entra ID),
# with no key or secret. By hand, after `az login`, it does the same.
#
# plan writes DIR/ROOT.tfplan (what apply applies, and nothing else), DIR/ROOT.plan.txt (the
# plan as text, for the approver), DIR/ROOT.terraform.lock.hcl (the provider versions the plan
# was made with, which apply must use) and DIR/ROOT.changes (true or false). In the pipeline it
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

root_dir() {
  local dir="infra/terraform/${1:?name the root: shared, dev or prd}"
  [[ -f $dir/versions.tf ]] || { echo "terraform: $dir is not a root of infra/terraform" >&2; exit 2; }
  echo "$dir"
}

subscription() {
  # The azurerm provider needs the subscription; it is the one az is logged in to.
  if [[ -z ${ARM_SUBSCRIPTION_ID:-} ]]; then
    ARM_SUBSCRIPTION_ID=$(az account show --query id --output tsv)
    export ARM_SUBSCRIPTION_ID
  fi
}

plan() {
  local root=$1 dir out=${2:?give the folder for the plan}
  dir=$(root_dir "$root")
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  subscription
  terraform -chdir="$dir" init -input=false -no-color
  local status=0
  terraform -chdir="$dir" plan -input=false -no-color -detailed-exitcode \
    -out="$out/$root.tfplan" || status=$?
  case $status in
    0) changes=false ;;
    2) changes=true ;;
    *) say "plan of $root failed (exit $status)"; exit "$status" ;;
  esac
  terraform -chdir="$dir" show -no-color "$out/$root.tfplan" >"$out/$root.plan.txt"
  cp "$dir/.terraform.lock.hcl" "$out/$root.terraform.lock.hcl"
  echo "$changes" >"$out/$root.changes"
  say "plan of $root saved in $out/$root.tfplan; changes: $changes"
  echo "##vso[task.setvariable variable=changes;isOutput=true]$changes"
}

apply() {
  local root=$1 dir in=${2:?give the folder of the saved plan}
  dir=$(root_dir "$root")
  in=$(cd "$in" && pwd)
  [[ -f $in/$root.tfplan ]] || { echo "terraform: no saved plan $in/$root.tfplan" >&2; exit 2; }
  subscription
  # The provider versions the plan was made with; init may not pick others.
  cp "$in/$root.terraform.lock.hcl" "$dir/.terraform.lock.hcl"
  terraform -chdir="$dir" init -input=false -no-color -lockfile=readonly
  terraform -chdir="$dir" apply -input=false -no-color "$in/$root.tfplan"
  terraform -chdir="$dir" output -no-color
}

case "${1:-}" in
  install) install ;;
  plan) plan "${2:-}" "${3:-}" ;;
  apply) apply "${2:-}" "${3:-}" ;;
  *)
    echo "usage: $0 install | plan ROOT DIR | apply ROOT DIR" >&2
    exit 2
    ;;
esac
