"""Deploy one environment, or roll it back, exactly as the pipeline does. Runs locally too:

    python3 toxw -e deploy -- apply --overlay dev --image-file reports/image-digest.txt
    python3 toxw -e deploy -- rollback --overlay prd

apply, in order:
  1. renders k8s/overlays/OVERLAY (kubectl's kustomize) to find the Deployment, the migration
     Job, the image name they use and the namespace (overlay.py);
  2. pins the image to the recorded digest (REGISTRY/REPO@sha256:...) with a kustomization that
     wraps the overlay, so the same digest goes to dev and prd; a tag is refused (overlay.py);
  3. runs k8s/create-secrets.sh: the namespace and the Secrets, from DJANGO_SECRET_KEY,
     DATABASE_URL and (dev) POSTGRES_PASSWORD in the environment, which the pipeline maps from
     the environment's variable group; the values never reach a command line or a file
     (cluster_secrets.py);
  4. applies everything but the API Deployment and the Job, and waits for any StatefulSet (dev's
     in-cluster database) (rollout.py);
  5. replaces the migration Job, applies it and waits until it succeeds, its logs on failure
     (migration.py);
  6. `kubectl apply -k` of the overlay with the pinned image, then waits for the rollout
     (rollout.py).

rollback: `kubectl rollout undo` of the overlay's Deployment and waits for it (rollout.py).
attest, verify, keygen, attest-local: the image's release evidence (harness/evidence).

Inputs: --overlay, --image-file or --image, KUBECONFIG (or kubectl's default), KUBECTL (kubectl
binary, default `kubectl`), DJANGO_SECRET_KEY, DATABASE_URL, POSTGRES_PASSWORD (dev only).
--namespace, when given, must be the overlay's. --dry-run prints the commands that would change
the cluster and runs none.
"""

from harness.deploy.cluster_secrets import OPTIONAL_SECRET_KEYS, SECRET_KEYS

__all__ = ["OPTIONAL_SECRET_KEYS", "SECRET_KEYS"]
