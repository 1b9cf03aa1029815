"""Deploy one environment, or roll it back, exactly as the pipeline does. Runs locally too:

    python3 toxw -e deploy -- apply --overlay dev --image-file reports/image-digest.txt
    python3 toxw -e deploy -- rollback --overlay prd

apply, in order:
  1. renders k8s/overlays/OVERLAY (kubectl's kustomize) to find the Deployment, the migration
     Job, the image name they use and the namespace;
  2. pins the image to the recorded digest (REGISTRY/REPO@sha256:...) with a kustomization that
     wraps the overlay, so the same digest goes to dev and prd; a tag is refused;
  3. runs k8s/create-secrets.sh: the namespace and the Secrets, from DJANGO_SECRET_KEY,
     DATABASE_URL and (dev) POSTGRES_PASSWORD in the environment, which the pipeline maps from
     the environment's variable group; the values never reach a command line or a file;
  4. applies everything but the API Deployment and the Job, and waits for any StatefulSet (dev's
     in-cluster database);
  5. replaces the migration Job, applies it and waits until it succeeds (its logs on failure);
  6. `kubectl apply -k` of the overlay with the pinned image, then waits for the rollout.

rollback: `kubectl rollout undo` of the overlay's Deployment and waits for it.

Inputs: --overlay, --image-file or --image, KUBECONFIG (or kubectl's default), KUBECTL (kubectl
binary, default `kubectl`), DJANGO_SECRET_KEY, DATABASE_URL, POSTGRES_PASSWORD (dev only).
--namespace, when given, must be the overlay's. --dry-run prints the commands that would change
the cluster and runs none.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from harness.common import kube
from harness.common.paths import ROOT

DIGEST = re.compile(r"^(?P<repo>[\w.:/-]+)@(?P<digest>sha256:[0-9a-f]{64})$")
SECRET_KEYS = ("DJANGO_SECRET_KEY", "DATABASE_URL")
OPTIONAL_SECRET_KEYS = ("POSTGRES_PASSWORD",)  # dev's in-cluster database only
UNEXPANDED = re.compile(r"^\$\(\w+\)$")
SECRETS_SCRIPT = ROOT / "k8s" / "create-secrets.sh"


def use_root(root: Path) -> None:
    """Deploy the k8s/ of another checkout (the tests deploy small fixture trees)."""
    global ROOT, SECRETS_SCRIPT
    ROOT = root.resolve()
    SECRETS_SCRIPT = ROOT / "k8s" / "create-secrets.sh"


class DeployError(Exception):
    pass


def say(message: str) -> None:
    print(f"deploy: {message}", flush=True)


class Kubectl:
    def __init__(self, dry_run: bool):
        self.binary = os.environ.get("KUBECTL", "kubectl")
        self.dry_run = dry_run

    def read(self, *args: str) -> str:
        """A command that only reads: always runs."""
        result = subprocess.run([self.binary, *args], capture_output=True, text=True, check=False)
        if result.returncode:
            raise DeployError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def exists(self, kind: str, name: str, namespace: str) -> bool:
        try:
            found = self.read(
                "get", kind, name, "-n", namespace, "--ignore-not-found", "-o", "name"
            )
        except DeployError:
            if not self.dry_run:
                raise
            say(f"dry run: no cluster to ask whether {kind}/{name} exists; taken as existing")
            return True
        return bool(found.strip())

    def change(self, *args: str, stdin: str | None = None, check: bool = True) -> int:
        """A command that changes the cluster: printed, and run unless --dry-run."""
        shown = f"kubectl {' '.join(args)}" + (" < (manifest on stdin)" if stdin else "")
        say(("would run: " if self.dry_run else "$ ") + shown)
        if self.dry_run:
            return 0
        result = subprocess.run([self.binary, *args], input=stdin, text=True, check=False)
        if check and result.returncode:
            raise DeployError(f"{shown} failed with exit status {result.returncode}")
        return result.returncode

    def run_script(self, script: Path, env: dict[str, str]) -> None:
        """Run a script that calls kubectl itself (it finds KUBECTL's kubectl first on PATH)."""
        shown = f"NAMESPACE={env.get('NAMESPACE')} bash {script.relative_to(ROOT)}"
        say(("would run: " if self.dry_run else "$ ") + shown)
        if self.dry_run:
            return
        binary = shutil.which(self.binary)
        if binary:
            env = {**env, "PATH": f"{Path(binary).parent}{os.pathsep}{env.get('PATH', '')}"}
        result = subprocess.run(["bash", str(script)], env=env, check=False)
        if result.returncode:
            raise DeployError(f"{shown} failed with exit status {result.returncode}")

    def render(self, directory: Path) -> list[dict]:
        try:
            return kube.kustomize(directory, self.binary)
        except kube.RenderError as exc:
            raise DeployError(str(exc)) from None


def as_list(items: list[dict]) -> dict:
    return {"apiVersion": "v1", "kind": "List", "items": items}


def one(objects: list[dict], kind: str, overlay: str) -> dict:
    found = [o for o in objects if o.get("kind") == kind]
    if len(found) != 1:
        names = [o["metadata"]["name"] for o in found]
        raise DeployError(f"overlay {overlay} renders {len(found)} {kind} objects {names}, need 1")
    return found[0]


def pod_spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def containers(obj: dict) -> list[dict]:
    spec = pod_spec(obj)
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def image_name(image: str) -> str:
    """users-api:tag, users-api@sha256:..., reg:5000/users-api:tag -> the name without tag."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name


def read_image(args) -> tuple[str, str]:
    ref = args.image or Path(args.image_file).read_text().strip()
    match = DIGEST.match(ref)
    if not match:
        raise DeployError(
            f"image {ref!r} is not REGISTRY/REPO@sha256:<64 hex>: deploy only the digest "
            "recorded by the Build stage, never a tag"
        )
    return match["repo"], match["digest"]


def overlay_dir(overlay: str) -> Path:
    path = ROOT / "k8s" / "overlays" / overlay
    if not (path / "kustomization.yaml").is_file():
        raise DeployError(f"{path.relative_to(ROOT)}/kustomization.yaml does not exist")
    return path


def wait_for_job(kubectl: Kubectl, name: str, namespace: str, timeout: float) -> None:
    say(f"waiting up to {timeout:.0f}s for the migration Job {name} to succeed")
    if kubectl.dry_run:
        return
    deadline = time.monotonic() + timeout
    while True:
        status = json.loads(kubectl.read("get", "job", name, "-n", namespace, "-o", "json"))
        conditions = {
            c["type"]: c["status"] for c in status.get("status", {}).get("conditions", [])
        }
        if conditions.get("Complete") == "True":
            say(f"migration Job {name} succeeded")
            return
        if conditions.get("Failed") == "True" or time.monotonic() > deadline:
            logs = subprocess.run(
                [kubectl.binary, "logs", f"job/{name}", "-n", namespace, "--tail=50"],
                capture_output=True,
                text=True,
                check=False,
            )
            print(logs.stdout + logs.stderr, file=sys.stderr)
            why = "failed" if conditions.get("Failed") == "True" else f"timed out ({timeout:.0f}s)"
            raise DeployError(f"migration Job {name} {why}; the rollout was not started")
        time.sleep(3)


def secret_env() -> dict[str, str]:
    """The secret variables for k8s/create-secrets.sh. An Azure DevOps macro left unexpanded,
    `$(POSTGRES_PASSWORD)` where the group has no such variable, counts as unset."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_KEYS + OPTIONAL_SECRET_KEYS}
    for key in SECRET_KEYS + OPTIONAL_SECRET_KEYS:
        value = os.environ.get(key, "")
        if value and not UNEXPANDED.match(value):
            env[key] = value
    missing = [k for k in SECRET_KEYS if k not in env]
    if missing:
        raise DeployError(
            f"{', '.join(missing)} not set: the pipeline maps them from the environment's "
            "variable group (docs/pipeline.md)"
        )
    return env


def apply(args) -> None:
    kubectl = Kubectl(args.dry_run)
    repo, digest = read_image(args)
    env = secret_env()
    source = overlay_dir(args.overlay)
    namespace, image = check_overlay(kubectl, source, args)
    say(f"overlay {args.overlay}, namespace {namespace}, image {repo}@{digest}")
    with tempfile.TemporaryDirectory(prefix="deploy-") as tmp:
        wrapper = Path(tmp)
        pinned = pin_image(kubectl, source, wrapper, image, f"{repo}@{digest}", args.overlay)
        roll_out(kubectl, args, env, namespace, wrapper, pinned)
    api = pinned[0]
    name = api["metadata"]["name"]
    kubectl.change(
        "rollout", "status", f"deployment/{name}", "-n", namespace, f"--timeout={args.timeout:.0f}s"
    )
    if kubectl.dry_run:
        say(f"dry run: deployment/{name} would roll out with {repo}@{digest}; nothing changed")
    else:
        say(f"deployment/{name} rolled out with {repo}@{digest}")


def check_overlay(kubectl, source: Path, args) -> tuple[str, str]:
    """(namespace, image name) of the overlay, after checking what it deploys."""
    if not SECRETS_SCRIPT.is_file():
        raise DeployError(f"{SECRETS_SCRIPT.relative_to(ROOT)} does not exist")
    objects = kubectl.render(source)
    deployment = one(objects, "Deployment", args.overlay)
    job = one(objects, "Job", args.overlay)
    namespace = deployment["metadata"].get("namespace") or "default"
    if args.namespace and args.namespace != namespace:
        raise DeployError(
            f"--namespace {args.namespace}, but overlay {args.overlay} deploys to {namespace}"
        )
    names = {image_name(c["image"]) for c in containers(deployment) + containers(job)}
    if len(names) != 1:
        raise DeployError(f"the Deployment and the Job use images {sorted(names)}, expected one")
    return namespace, names.pop()


def pin_image(kubectl, source: Path, wrapper: Path, image: str, pinned_ref: str, overlay: str):
    """Render the overlay with its image pinned to REPO@DIGEST: (Deployment, Job, every object)."""
    repo, digest = pinned_ref.split("@", 1)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(source, wrapper)],
        "images": [{"name": image, "newName": repo, "digest": digest}],
    }
    (wrapper / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    pinned = kubectl.render(wrapper)
    api = one(pinned, "Deployment", overlay)
    job = one(pinned, "Job", overlay)
    for container in containers(api) + containers(job):
        if container["image"] != pinned_ref:
            raise DeployError(f"container {container['name']} not pinned: {container['image']}")
    return api, job, pinned


def roll_out(kubectl, args, env, namespace, wrapper, pinned) -> None:
    """Secrets, everything but the API, the migration, then the API, in that order."""
    api, job, objects = pinned
    job_name = job["metadata"]["name"]
    # 1. The namespace and the Secrets, from the environment's variable group, with the
    #    manifests' own script (the values travel in its environment, never on a command line).
    kubectl.run_script(SECRETS_SCRIPT, {**env, "NAMESPACE": namespace})
    # 2. Everything but the API and its migration: configuration, service account, network
    #    policies, and in dev the database, which must be up before the migration runs.
    rest = [o for o in objects if o is not api and o is not job]
    if rest:
        kubectl.change("apply", "-n", namespace, "-f", "-", stdin=json.dumps(as_list(rest)))
    for stateful in (o for o in rest if o.get("kind") == "StatefulSet"):
        kubectl.change(
            *("rollout", "status", f"statefulset/{stateful['metadata']['name']}"),
            *("-n", namespace, f"--timeout={args.timeout:.0f}s"),
        )
    # 3. The migration: a Job is immutable, so the previous one goes first.
    kubectl.change("delete", "job", job_name, "-n", namespace, "--ignore-not-found", "--wait")
    kubectl.change("apply", "-n", namespace, "-f", "-", stdin=json.dumps(as_list([job])))
    wait_for_job(kubectl, job_name, namespace, args.timeout)
    # 4. The API: the whole overlay with the pinned image, then its rollout.
    first = not kubectl.exists("deployment", api["metadata"]["name"], namespace)
    kubectl.change("apply", "-n", namespace, "-k", str(wrapper))
    if first:
        start_at_min_replicas(kubectl, api, objects, namespace)


def start_at_min_replicas(kubectl, api: dict, objects: list[dict], namespace: str) -> None:
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
    kubectl = Kubectl(args.dry_run)
    deployment = one(kubectl.render(overlay_dir(args.overlay)), "Deployment", args.overlay)
    namespace = deployment["metadata"].get("namespace") or "default"
    if args.namespace and args.namespace != namespace:
        raise DeployError(
            f"--namespace {args.namespace}, but overlay {args.overlay} deploys to {namespace}"
        )
    name = deployment["metadata"]["name"]
    say(f"rolling back deployment/{name} in {namespace} to its previous revision")
    kubectl.change("rollout", "undo", f"deployment/{name}", "-n", namespace)
    kubectl.change(
        "rollout", "status", f"deployment/{name}", "-n", namespace, f"--timeout={args.timeout:.0f}s"
    )
    say(f"deployment/{name} {'would be ' if kubectl.dry_run else ''}rolled back")
    if args.fail_after:
        raise DeployError("rolled back because verification failed; this run fails")


EVIDENCE_COMMANDS = (
    "attest",
    "verify",
    "keygen",
    "attest-local",
)  # harness/evidence: the image's evidence


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in EVIDENCE_COMMANDS:
        from harness.evidence.__main__ import main as evidence

        return evidence(argv)
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="attest, verify, keygen: the image's release evidence (python3 toxw -e deploy -- "
        "verify --help; docs/evidence.md)",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout whose k8s/ to deploy (this one)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("apply", "rollback"):
        p = sub.add_parser(name)
        p.add_argument("--overlay", required=True, help="k8s/overlays/<OVERLAY>: dev or prd")
        p.add_argument("--namespace", help="a check: must be the namespace the overlay sets")
        p.add_argument("--timeout", type=float, default=300, help="seconds per wait (300)")
        p.add_argument("--dry-run", action="store_true", help="print, do not change the cluster")
        if name == "apply":
            image = p.add_mutually_exclusive_group(required=True)
            image.add_argument("--image-file", help="file holding REGISTRY/REPO@sha256:...")
            image.add_argument("--image", help="REGISTRY/REPO@sha256:...")
        else:
            p.add_argument("--fail-after", action="store_true", help="exit 1 after rolling back")
    args = parser.parse_args(argv)
    use_root(args.root)
    try:
        (apply if args.command == "apply" else rollback)(args)
    except (DeployError, OSError) as exc:
        print(f"deploy: FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
