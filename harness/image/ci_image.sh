#!/usr/bin/env bash
# Build, scan and push the service image with Docker and BuildKit, as the pipeline's Build stage
# does; runnable on any machine with Docker (scan also needs trivy, push a registry login).
#
#   harness/image/ci_image.sh build            # docker build from ./Dockerfile, one tag per IMAGE_TAGS
#   harness/image/ci_image.sh scan [JUNIT]     # trivy: fails on HIGH/CRITICAL not in security/trivyignore.yaml
#   harness/image/ci_image.sh push             # docker push every tag, write the digest to reports/image-digest.txt
#
# Inputs (environment):
#   IMAGE_NAME   repository, e.g. myregistry.azurecr.io/users-api     (default: users-api)
#   IMAGE_TAGS   space-separated tags, e.g. "<commit sha> <build id>"  (default: the commit SHA)
#   TRIVY_VERSION  trivy package version to install when trivy is missing (default: newest)
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE_NAME=${IMAGE_NAME:-users-api}
REVISION=${BUILD_SOURCEVERSION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
IMAGE_TAGS=${IMAGE_TAGS:-$REVISION}
read -r -a TAGS <<<"$IMAGE_TAGS"
FIRST="$IMAGE_NAME:${TAGS[0]}"
TRIVY_VERSION=${TRIVY_VERSION:-}
IGNOREFILE=security/trivyignore.yaml
mkdir -p reports

say() { printf 'ci_image: %s\n' "$*"; }

build() {
  local args=()
  for tag in "${TAGS[@]}"; do args+=(--tag "$IMAGE_NAME:$tag"); done
  say "building ${IMAGE_NAME} with tags ${TAGS[*]} (BuildKit)"
  # The Dockerfile turns VERSION, REVISION and SOURCE into its OCI labels; one place computes
  # them for every build (harness/image/build.py, labels()).
  local labels label
  labels=$(python3 -m harness.image labels)
  while IFS= read -r label; do args+=(--build-arg "$label"); done <<<"$labels"
  DOCKER_BUILDKIT=1 docker build --file Dockerfile "${args[@]}" .
  docker image inspect --format 'ci_image: size {{.Size}} bytes' "$FIRST"
}

install_trivy() {
  say "installing trivy ${TRIVY_VERSION:-(newest)} from its Debian repository"
  sudo apt-get install -y -qq wget gnupg >/dev/null
  wget -qO - https://aquasecurity.github.io/trivy-repo/deb/public.key \
    | gpg --dearmor | sudo tee /usr/share/keyrings/trivy.gpg >/dev/null
  echo "deb [signed-by=/usr/share/keyrings/trivy.gpg] https://aquasecurity.github.io/trivy-repo/deb generic main" \
    | sudo tee /etc/apt/sources.list.d/trivy.list >/dev/null
  sudo apt-get update -qq
  sudo apt-get install -y -qq "trivy${TRIVY_VERSION:+=$TRIVY_VERSION}" >/dev/null
}

scan() {
  local junit=${1:-reports/trivy.xml}
  command -v trivy >/dev/null || install_trivy
  local template=/usr/local/share/trivy/templates/junit.tpl
  say "scanning $FIRST: blocking on HIGH and CRITICAL, accepted findings in $IGNOREFILE"
  # The JUnit file lists every finding; the second run decides, and prints them as a table.
  trivy image --quiet --severity HIGH,CRITICAL --ignorefile "$IGNOREFILE" \
    --format template --template "@$template" --output "$junit" --exit-code 0 "$FIRST"
  trivy image --quiet --severity HIGH,CRITICAL --ignorefile "$IGNOREFILE" \
    --format table --exit-code 1 "$FIRST"
}

push() {
  for tag in "${TAGS[@]}"; do
    say "pushing $IMAGE_NAME:$tag"
    docker push "$IMAGE_NAME:$tag"
  done
  local digest
  digest=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$FIRST" \
    | grep -m1 "^${IMAGE_NAME}@sha256:")
  [[ $digest =~ @sha256:[0-9a-f]{64}$ ]] || { say "no digest for $FIRST after push"; exit 1; }
  echo "$digest" >reports/image-digest.txt
  say "recorded $digest in reports/image-digest.txt"
}

case "${1:-}" in
  build) build ;;
  scan) scan "${2:-}" ;;
  push) push ;;
  *) echo "usage: $0 build|scan [JUNIT]|push" >&2; exit 2 ;;
esac
