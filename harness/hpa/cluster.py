"""What the checker reads from the cluster, through the kubernetes client, and its preconditions.

The checker calls exactly three endpoints (the fake API server of the self-test implements these):
GET  /apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers          (find the HPA)
GET  /apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/{name}
GET  /apis/apps/v1/namespaces/{ns}/deployments/{name}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

IN_CLUSTER_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
TOLERANCE = 0.1  # the HPA controller's default --horizontal-pod-autoscaler-tolerance
API_TIMEOUT = 10


class NoCluster(RuntimeError):
    """No cluster configured; the message is one line that says what to set."""


class PreconditionFailed(RuntimeError):
    def __init__(self, check: str, message: str):
        super().__init__(message)
        self.check = check


def kubeconfig_paths() -> list[str]:
    paths = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    return paths or [str(Path.home() / ".kube" / "config")]


def require_cluster() -> None:
    """Raise NoCluster unless in-cluster or a kubeconfig file exists."""
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return
    if not any(Path(p).expanduser().is_file() for p in kubeconfig_paths()):
        raise NoCluster(
            "hpa: no cluster configured: set KUBECONFIG to the target cluster's kubeconfig "
            "(e.g. from `az aks get-credentials`) and BASE_URL to the app's URL, or run in-cluster"
        )


def connect(context: str | None) -> tuple[client.ApiClient, str]:
    """An API client from in-cluster config or KUBECONFIG (~/.kube/config), and its namespace."""
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_incluster_config()
        namespace = (
            IN_CLUSTER_NAMESPACE.read_text().strip() if IN_CLUSTER_NAMESPACE.exists() else ""
        )
        return client.ApiClient(), namespace or "default"
    require_cluster()
    paths = kubeconfig_paths()
    configuration = client.Configuration()
    try:
        config.load_kube_config(context=context, client_configuration=configuration)
        _contexts, active = config.list_kube_config_contexts()
    except (config.ConfigException, OSError, ValueError) as exc:
        raise NoCluster(f"hpa: the kubeconfig {':'.join(paths)} is not usable: {exc}") from None
    if context:
        active = next((c for c in _contexts if c["name"] == context), active)
    namespace = (active or {}).get("context", {}).get("namespace") or "default"
    return client.ApiClient(configuration), namespace


@dataclass
class Snapshot:
    """The numbers the timeline records, read from the HPA and the Deployment at one moment."""

    min_replicas: int
    max_replicas: int
    target_utilization: int | None
    cpu_utilization: int | None
    hpa_desired: int | None
    hpa_current: int | None
    spec_replicas: int
    status_replicas: int
    ready_replicas: int
    updated_replicas: int
    conditions: dict = field(default_factory=dict)
    scale_down_window: int | None = None


def cpu_target(hpa) -> int | None:
    for metric in hpa.spec.metrics or []:
        if metric.type == "Resource" and metric.resource and metric.resource.name == "cpu":
            target = metric.resource.target
            if target.type == "Utilization" and target.average_utilization is not None:
                return target.average_utilization
    return None


def cpu_current(hpa) -> int | None:
    for metric in (hpa.status and hpa.status.current_metrics) or []:
        if metric.type == "Resource" and metric.resource and metric.resource.name == "cpu":
            current = metric.resource.current
            return current.average_utilization if current else None
    return None


def conditions(hpa) -> dict:
    return {
        c.type: {"status": c.status, "reason": c.reason, "message": c.message}
        for c in (hpa.status and hpa.status.conditions) or []
    }


class Cluster:
    def __init__(self, api_client: client.ApiClient, namespace: str):
        self.namespace = namespace
        self.autoscaling = client.AutoscalingV2Api(api_client)
        self.apps = client.AppsV1Api(api_client)

    def _read(self, read, name: str, missing: str):
        """READ the object NAME of this namespace; a 404 fails hpa-targets-deployment."""
        try:
            return read(name, self.namespace, _request_timeout=API_TIMEOUT)
        except ApiException as exc:
            if exc.status == 404:
                raise PreconditionFailed("hpa-targets-deployment", missing) from None
            raise

    def find_hpa(self, hpa_name: str | None, deployment: str | None):
        """The HPA by name, or the one whose scaleTargetRef is the Deployment."""
        if hpa_name:
            return self._hpa_named(hpa_name, deployment)
        return self._hpa_for(deployment)

    def _hpa_named(self, hpa_name: str, deployment: str | None):
        hpa = self._read(
            self.autoscaling.read_namespaced_horizontal_pod_autoscaler,
            hpa_name,
            f"HorizontalPodAutoscaler {hpa_name!r} does not exist in namespace {self.namespace!r}",
        )
        ref = hpa.spec.scale_target_ref
        if deployment and (ref.kind != "Deployment" or ref.name != deployment):
            raise PreconditionFailed(
                "hpa-targets-deployment",
                f"HorizontalPodAutoscaler {hpa_name!r} targets {ref.kind}/{ref.name}, "
                f"not Deployment/{deployment} (set HPA_DEPLOYMENT to the Deployment it scales)",
            )
        return hpa

    def _hpa_for(self, deployment: str | None):
        hpas = self.autoscaling.list_namespaced_horizontal_pod_autoscaler(
            self.namespace, _request_timeout=API_TIMEOUT
        ).items
        found = [
            h
            for h in hpas
            if h.spec.scale_target_ref.kind == "Deployment"
            and h.spec.scale_target_ref.name == deployment
        ]
        if not found:
            raise PreconditionFailed(
                "hpa-targets-deployment",
                f"no HorizontalPodAutoscaler in namespace {self.namespace!r} targets "
                f"Deployment {deployment!r} (found: "
                f"{', '.join(h.metadata.name for h in hpas) or 'none'})",
            )
        if len(found) > 1:
            raise PreconditionFailed(
                "hpa-targets-deployment",
                f"{len(found)} HorizontalPodAutoscalers target Deployment {deployment!r} "
                f"({', '.join(h.metadata.name for h in found)}); they would fight: keep one",
            )
        return found[0]

    def hpa(self, name: str):
        return self.autoscaling.read_namespaced_horizontal_pod_autoscaler(
            name, self.namespace, _request_timeout=API_TIMEOUT
        )

    def deployment(self, name: str):
        return self._read(
            self.apps.read_namespaced_deployment,
            name,
            f"the HPA targets Deployment {name!r}, which does not exist in namespace "
            f"{self.namespace!r}",
        )

    def snapshot(self, hpa_name: str, deployment_name: str) -> Snapshot:
        hpa = self.hpa(hpa_name)
        deployment = self.deployment(deployment_name)
        behavior = hpa.spec.behavior
        down = behavior.scale_down if behavior else None
        status = deployment.status
        return Snapshot(
            min_replicas=hpa.spec.min_replicas or 1,
            max_replicas=hpa.spec.max_replicas,
            target_utilization=cpu_target(hpa),
            cpu_utilization=cpu_current(hpa),
            hpa_desired=hpa.status.desired_replicas if hpa.status else None,
            hpa_current=hpa.status.current_replicas if hpa.status else None,
            spec_replicas=deployment.spec.replicas or 0,
            status_replicas=status.replicas or 0,
            ready_replicas=status.ready_replicas or 0,
            updated_replicas=status.updated_replicas or 0,
            conditions=conditions(hpa),
            scale_down_window=down.stabilization_window_seconds if down else None,
        )


def containers_without_cpu_request(deployment) -> list[str]:
    missing = []
    for container in deployment.spec.template.spec.containers:
        requests = (container.resources and container.resources.requests) or {}
        if not requests.get("cpu"):
            missing.append(container.name)
    return missing


def metrics_problem(snapshot: Snapshot) -> str | None:
    """Why the HPA cannot see CPU metrics, or None when ScalingActive is true and CPU is known."""
    active = snapshot.conditions.get("ScalingActive")
    if not active:
        return (
            "metrics unavailable: the HPA has no ScalingActive condition yet (the controller "
            "has not evaluated it); check the HPA controller and metrics-server"
        )
    if active["status"] != "True":
        return (
            f"metrics unavailable: ScalingActive is {active['status']} "
            f"({active['reason']}: {active['message']}); check metrics-server "
            "(`kubectl top pods`) and the containers' CPU requests"
        )
    if snapshot.cpu_utilization is None:
        return (
            "metrics unavailable: the HPA's current CPU utilisation is <unknown>; check "
            "metrics-server (`kubectl top pods`)"
        )
    return None


def settle_problem(snapshot: Snapshot) -> str | None:
    """Why the Deployment is not at the HPA's minimum with every replica ready, or None."""
    if snapshot.spec_replicas != snapshot.min_replicas:
        return (
            f"the Deployment is at {snapshot.spec_replicas} replicas, not at the HPA's minimum "
            f"of {snapshot.min_replicas}: wait until it has scaled back in (or raise "
            "HPA_PRECONDITION_WAIT), so the check starts from the minimum"
        )
    if snapshot.ready_replicas < snapshot.spec_replicas or (
        snapshot.status_replicas != snapshot.spec_replicas
    ):
        return (
            f"the Deployment is not ready: {snapshot.ready_replicas} of "
            f"{snapshot.spec_replicas} replicas ready ({snapshot.status_replicas} pods): "
            "fix the rollout first (`kubectl rollout status`)"
        )
    return None
