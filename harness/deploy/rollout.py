"""apply and rollback: the order of a deploy, and its undo."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from harness.deploy import cluster_secrets, migration
from harness.deploy.kubectl import DeployError, Kubectl, say
from harness.deploy.overlay import (
    as_list,
    check_overlay,
    namespace_of,
    one,
    overlay_dir,
    pin_image,
    read_image,
)


def apply(args) -> None:
    kubectl = Kubectl(args.dry_run, args.root)
    repo, digest = read_image(args.image, args.image_file)
    env = cluster_secrets.secret_env()
    cluster_secrets.script(args.root)  # missing: refused before anything is rendered
    source = overlay_dir(args.root, args.overlay)
    namespace, image = check_overlay(kubectl, source, args.overlay, args.namespace)
    say(f"overlay {args.overlay}, namespace {namespace}, image {repo}@{digest}")
    with tempfile.TemporaryDirectory(prefix="deploy-") as tmp:
        wrapper = Path(tmp)
        pinned = pin_image(kubectl, source, wrapper, image, f"{repo}@{digest}", args.overlay)
        roll_out(kubectl, args.timeout, env, namespace, wrapper, pinned)
    name = pinned[0]["metadata"]["name"]
    kubectl.wait_for_rollout("deployment", name, namespace, args.timeout)
    if kubectl.dry_run:
        say(f"dry run: deployment/{name} would roll out with {repo}@{digest}; nothing changed")
    else:
        say(f"deployment/{name} rolled out with {repo}@{digest}")


def roll_out(kubectl: Kubectl, timeout: float, env, namespace: str, wrapper: Path, pinned) -> None:
    """Secrets, everything but the API, the migration, then the API, in that order."""
    api, job, objects = pinned
    cluster_secrets.create(kubectl, env, namespace)
    # Everything but the API and its migration: configuration, service account, network
    # policies, and in dev the database, which must be up before the migration runs.
    rest = [o for o in objects if o is not api and o is not job]
    if rest:
        kubectl.change("apply", "-n", namespace, "-f", "-", stdin=json.dumps(as_list(rest)))
    for stateful in (o for o in rest if o.get("kind") == "StatefulSet"):
        kubectl.wait_for_rollout("statefulset", stateful["metadata"]["name"], namespace, timeout)
    migration.migrate(kubectl, job, namespace, timeout)
    # The API: the whole overlay with the pinned image, then its rollout.
    first = not kubectl.exists("deployment", api["metadata"]["name"], namespace)
    kubectl.change("apply", "-n", namespace, "-k", str(wrapper))
    if first:
        start_at_min_replicas(kubectl, api, objects, namespace)


def start_at_min_replicas(kubectl: Kubectl, api: dict, objects: list[dict], namespace: str):
    """The manifests leave the replica count to the HPA, so a new Deployment starts with one
    pod; give the first rollout the HPA's minimum at once. `kubectl scale` leaves the applied
    configuration alone, so later applies do not reset the count the HPA sets."""
    name = api["metadata"]["name"]
    for hpa in objects:
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if hpa.get("kind") == "HorizontalPodAutoscaler" and target.get("name") == name:
            replicas = hpa["spec"].get("minReplicas", 1)
            kubectl.change("scale", f"deployment/{name}", f"--replicas={replicas}", "-n", namespace)


def rollback(args) -> None:
    kubectl = Kubectl(args.dry_run, args.root)
    objects = kubectl.render(overlay_dir(args.root, args.overlay))
    deployment = one(objects, "Deployment", args.overlay)
    namespace = namespace_of(deployment, args.overlay, args.namespace)
    name = deployment["metadata"]["name"]
    say(f"rolling back deployment/{name} in {namespace} to its previous revision")
    kubectl.change("rollout", "undo", f"deployment/{name}", "-n", namespace)
    kubectl.wait_for_rollout("deployment", name, namespace, args.timeout)
    say(f"deployment/{name} {'would be ' if kubectl.dry_run else ''}rolled back")
    if args.fail_after:
        raise DeployError("rolled back because verification failed; this run fails")
