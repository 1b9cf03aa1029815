"""What an overlay deploys: its rendered objects, their namespace and image, and the same
objects with the image pinned to the digest the Build stage recorded."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from harness.deploy.kubectl import DeployError, Kubectl

DIGEST = re.compile(r"^(?P<repo>[\w.:/-]+)@(?P<digest>sha256:[0-9a-f]{64})$")


def as_list(items: list[dict]) -> dict:
    return {"apiVersion": "v1", "kind": "List", "items": items}


def one(objects: list[dict], kind: str, overlay: str) -> dict:
    found = [o for o in objects if o.get("kind") == kind]
    if len(found) != 1:
        names = [o["metadata"]["name"] for o in found]
        raise DeployError(f"overlay {overlay} renders {len(found)} {kind} objects {names}, need 1")
    return found[0]


def containers(obj: dict) -> list[dict]:
    spec = obj["spec"]["template"]["spec"]
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def image_name(image: str) -> str:
    """users-api:tag, users-api@sha256:..., reg:5000/users-api:tag -> the name without tag."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name


def read_image(image: str | None, image_file: str | None) -> tuple[str, str]:
    """(REGISTRY/REPO, sha256:...) of --image or the file --image-file names."""
    ref = image or Path(image_file).read_text().strip()
    match = DIGEST.match(ref)
    if not match:
        raise DeployError(
            f"image {ref!r} is not REGISTRY/REPO@sha256:<64 hex>: deploy only the digest "
            "recorded by the Build stage, never a tag"
        )
    return match["repo"], match["digest"]


def overlay_dir(root: Path, overlay: str) -> Path:
    path = root / "k8s" / "overlays" / overlay
    if not (path / "kustomization.yaml").is_file():
        raise DeployError(f"{path.relative_to(root)}/kustomization.yaml does not exist")
    return path


def namespace_of(deployment: dict, overlay: str, expected: str | None) -> str:
    """The Deployment's namespace; EXPECTED (--namespace), when given, must be it."""
    namespace = deployment["metadata"].get("namespace") or "default"
    if expected and expected != namespace:
        raise DeployError(f"--namespace {expected}, but overlay {overlay} deploys to {namespace}")
    return namespace


def check_overlay(
    kubectl: Kubectl, source: Path, overlay: str, expected: str | None
) -> tuple[str, str]:
    """(namespace, image name) of the overlay, after checking what it deploys."""
    objects = kubectl.render(source)
    deployment = one(objects, "Deployment", overlay)
    job = one(objects, "Job", overlay)
    namespace = namespace_of(deployment, overlay, expected)
    names = {image_name(c["image"]) for c in containers(deployment) + containers(job)}
    if len(names) != 1:
        raise DeployError(f"the Deployment and the Job use images {sorted(names)}, expected one")
    return namespace, names.pop()


def pin_image(kubectl: Kubectl, source: Path, wrapper: Path, image: str, pinned_ref: str, overlay):
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
