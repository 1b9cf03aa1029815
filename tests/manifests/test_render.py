"""Every overlay and component combination renders, with the objects each environment needs."""

import pytest

from harness.manifests import checks
from harness.manifests.render import K8S, PIPELINE_IMAGE, variant_specs

NAMES = [name for name, _, _ in variant_specs(K8S)]
COMMON = [
    "Deployment",
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "Job",
    "ConfigMap",
    "ServiceAccount",
]


def test_every_overlay_and_combination_is_rendered(variants):
    assert {"dev", "prd", "local", "dev+ingress", "prd+ingress"} <= set(NAMES), NAMES
    assert sorted(variants) == sorted(NAMES)
    print("rendered:", ", ".join(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_variant_has_its_objects(variants, name):
    v = variants[name]
    kinds = {o["kind"] for o in v.objects}
    missing = [k for k in COMMON if k not in kinds]
    assert not missing, f"{name}: no {', '.join(missing)} rendered"
    assert not v.of_kind("Secret"), f"{name}: a Secret is rendered; the pipeline creates them"
    namespaces = {o["metadata"].get("namespace") for o in v.objects if o["kind"] != "Namespace"}
    assert len(namespaces) == 1, f"{name}: namespaces {namespaces}"
    assert None not in namespaces, f"{name}: an object has no namespace"


def test_dev_runs_postgres_on_azure_disk_and_prd_uses_the_managed_one(variants):
    dev = variants["dev"].get("StatefulSet", "users-api-postgres")
    assert dev, "dev: StatefulSet/users-api-postgres is missing"
    claim = dev["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["storageClassName"] == "managed-csi", (
        "dev: StatefulSet/users-api-postgres: spec.volumeClaimTemplates[0].spec."
        f"storageClassName is {claim.get('storageClassName')}, expected AKS's Azure Disk class"
    )
    assert not variants["prd"].of_kind("StatefulSet"), "prd runs a database in the cluster"


def test_local_variant_uses_nginx_ingress_and_the_default_storage_class(variants):
    local = variants["local"]
    assert local.get("Service", "users-api")["spec"]["type"] == "ClusterIP"
    ingress = local.get("Ingress", "users-api")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    claim = local.get("StatefulSet", "users-api-postgres")["spec"]["volumeClaimTemplates"][0]
    assert "storageClassName" not in claim["spec"]
    for name in ("dev", "prd"):
        assert variants[name].get("Service", "users-api")["spec"]["type"] == "LoadBalancer"


def test_the_pipeline_image_reaches_deployment_and_job_and_is_promoted_unchanged(deployed):
    """`kustomize edit set image` sets one digest; dev and prd then run exactly that image."""
    for name, v in deployed.items():
        images = {c["image"] for o in checks.app_workloads(v) for _, c in checks.containers(o)}
        assert images == {PIPELINE_IMAGE}, f"{name}: the app runs {images}"


def selected(variant, test):
    return {
        o["kind"]
        for o in variant.objects
        if test(o["metadata"].get("labels", {}).get("app.kubernetes.io/component"))
    }


def test_migration_job_can_be_applied_before_the_rollout(variants):
    """The pipeline applies `-l 'app.kubernetes.io/component notin (api,migration)'`, then
    `-l app.kubernetes.io/component=migration` and waits for the Job, then everything
    (k8s/README.md). Each step must hold what the next one needs, and no API object early."""
    for name in ("dev", "prd"):
        first = selected(variants[name], lambda c: c not in ("api", "migration"))
        assert {"Namespace", "ConfigMap", "ServiceAccount", "NetworkPolicy"} <= first, first
        migration = selected(variants[name], lambda c: c == "migration")
        assert migration == {"Job", "NetworkPolicy"}, f"{name}: {migration}"
        early = first | migration
        assert not early & {"Deployment", "HorizontalPodAutoscaler"}, f"{name}: {early}"
    assert "StatefulSet" in selected(variants["dev"], lambda c: c == "database")
