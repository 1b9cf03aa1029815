"""A fake Kubernetes API server: a TEST DOUBLE for the HPA checker's self-test, never a gate.

There is no Kubernetes control plane on the machines that run the self-test, so this server
stands in for one. It is a real HTTP server on 127.0.0.1 that serves exactly the three endpoints
the checker calls (see harness/hpa/cluster.py), with objects shaped like a real API server's
(apiVersion, kind, metadata, spec, status with conditions; zero counts omitted; errors as
``Status`` objects), behind a bearer token.

Its HorizontalPodAutoscaler follows the documented algorithm
(https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details):
every sync period it measures the CPU that a REAL local server actually used (its master and
workers, from /proc through psutil), spreads it over the modelled ready pods, divides by a
notional per-pod CPU request to get the utilisation, and computes
``desired = ceil(current x utilisation / target)``, with the 0.1 tolerance, unready pods counted
at 0% when scaling up, the scale-up and scale-down stabilization windows, and min/max clamping.
Scaled-up pods become ready after ``pod_start_seconds``. Time runs in wall-clock seconds with
short windows, so a scenario takes seconds.

What it does not model: scaling policies (rate limits per period), pod scheduling, several
metrics. The live gate (``python3 toxw -e hpa``) is what runs against real clusters.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil

TOLERANCE = 0.1


def rfc3339(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class CpuMeter:
    """CPU cores used by a process and its descendants, between two calls or over a window."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self._seen: dict[int, float] = {}
        self._last = (time.monotonic(), self._total())
        self._readings = [self._last]

    def _total(self) -> float:
        for proc in [self.root, *self.root.children(recursive=True)]:
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            self._seen[proc.pid] = times.user + times.system
        # a process that exited keeps its last reading, so the total never goes back
        return sum(self._seen.values())

    def cores(self) -> float:
        now, total = time.monotonic(), self._total()
        then, before = self._last
        self._last = (now, total)
        return max(0.0, total - before) / max(now - then, 1e-6)

    def cores_over(self, window: float) -> float:
        """Average cores over the last ``window`` seconds, as metrics-server reports usage
        over its resolution window rather than as an instant."""
        now, total = time.monotonic(), self._total()
        older = [r for r in self._readings if r[0] <= now - window]
        then, before = older[-1] if older else self._readings[0]
        self._readings = [r for r in self._readings if r[0] >= then] + [(now, total)]
        return max(0.0, total - before) / max(now - then, 1e-6)


@dataclass
class FakeConfig:
    cpu_request_cores: float  # the notional CPU request of one pod
    namespace: str = "users"
    hpa_name: str = "users-api"
    deployment: str = "users-api"
    container: str = "web"
    min_replicas: int = 1
    max_replicas: int = 6
    target_utilization: int = 50
    scale_up_window: int = 0
    scale_down_window: int = 2
    sync_period: float = 0.5
    metrics_window: float = 1.5  # metrics-server's resolution, compressed
    pod_start_seconds: float = 0.5
    cpu_requests_set: bool = True  # False: the container has no CPU request
    metrics_available: bool = True  # False: metrics-server answers nothing
    initial_replicas: int | None = None  # default: min_replicas, as on a settled cluster


@dataclass
class State:
    pods: list[float] = field(default_factory=list)  # the monotonic time each pod is ready
    desired: int = 0
    current: int = 0
    utilization: int | None = None
    value_millicores: int | None = None
    recommendations: list[tuple[float, int]] = field(default_factory=list)
    last_scale: float | None = None
    scaling_active: tuple[str, str, str] = ("False", "", "")
    able_to_scale: tuple[str, str, str] = ("True", "ReadyForNewScale", "")
    scaling_limited: tuple[str, str, str] = ("False", "DesiredWithinRange", "")
    history: list[dict] = field(default_factory=list)


class FakeApiServer:
    def __init__(self, cfg: FakeConfig, server_pid: int):
        self.cfg = cfg
        self.token = secrets.token_urlsafe(24)
        self.meter = CpuMeter(server_pid)
        self.created = time.time()
        self.uids = {"hpa": str(uuid.uuid4()), "deployment": str(uuid.uuid4())}
        self.lock = threading.Lock()
        initial = cfg.initial_replicas or cfg.min_replicas
        self.state = State(pods=[0.0] * initial, desired=initial, current=initial)
        # as if the controller had recommended the current count until now
        self.state.recommendations.append((time.monotonic(), initial))
        self.requests: list[tuple[str, str]] = []
        self.unexpected: list[str] = []
        self.unauthorised = 0
        self._stop = threading.Event()
        self._resource_version = 1000
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self._threads = [
            threading.Thread(target=self.http.serve_forever, daemon=True, name="fake-api"),
            threading.Thread(target=self._controller, daemon=True, name="fake-hpa"),
        ]

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> FakeApiServer:
        self._sync()  # the first evaluation, so the HPA has a status as on a settled cluster
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.http.shutdown()
        self.http.server_close()
        for thread in self._threads:
            thread.join(5)

    def kubeconfig(self) -> str:
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                "users": [{"name": "checker", "user": {"token": self.token}}],
                "contexts": [
                    {
                        "name": "fake",
                        "context": {
                            "cluster": "fake",
                            "user": "checker",
                            "namespace": self.cfg.namespace,
                        },
                    }
                ],
                "current-context": "fake",
            }
        )

    # --- the HPA controller ----------------------------------------------------------------

    def _controller(self) -> None:
        while not self._stop.wait(self.cfg.sync_period):
            self._sync()

    def _sync(self) -> None:
        cfg, now = self.cfg, time.monotonic()
        cores = self.meter.cores_over(cfg.metrics_window)
        with self.lock:
            st = self.state
            pods = len(st.pods)
            ready = sum(at <= now for at in st.pods)
            st.current = pods
            failure = self._metric_failure()
            if failure:
                st.scaling_active = ("False", "FailedGetResourceMetric", failure)
                st.utilization = None
                return
            if ready == 0:
                return
            per_pod = cores / ready
            utilization = per_pod / cfg.cpu_request_cores * 100
            st.utilization = round(utilization)
            st.value_millicores = round(per_pod * 1000)
            st.scaling_active = (
                "True",
                "ValidMetricFound",
                "the HPA was able to successfully calculate a replica count from cpu "
                "resource utilization (percentage of request)",
            )
            recommendation = self._recommend(utilization, ready, pods)
            desired = self._stabilise(now, recommendation, pods)
            st.scaling_limited = self._limited(recommendation)
            st.desired = desired
            if desired != pods:
                self._scale(now, desired)
            st.history.append(
                {
                    "at": now,
                    "cores": round(cores, 3),
                    "utilization": st.utilization,
                    "recommendation": recommendation,
                    "desired": desired,
                    "pods": pods,
                    "ready": ready,
                }
            )

    def _metric_failure(self) -> str | None:
        """Why the HPA cannot get a CPU utilisation, in the words of its ScalingActive condition
        (None: it can)."""
        cfg = self.cfg
        unable = "the HPA was unable to compute the replica count: failed to get cpu utilization: "
        if not cfg.cpu_requests_set:
            return (
                f"{unable}missing request for cpu in container "
                f"{cfg.container} of Pod {cfg.deployment}-7d4b9c8f6-x2k4p"
            )
        if not cfg.metrics_available:
            return (
                f"{unable}unable to get metrics for resource cpu: unable to fetch "
                "metrics from resource metrics API: the server could not find the "
                "requested resource (get pods.metrics.k8s.io)"
            )
        return None

    def _limited(self, recommendation: int) -> tuple[str, str, str]:
        """The ScalingLimited condition: whether min or max replicas held the recommendation."""
        if recommendation > self.cfg.max_replicas:
            return (
                "True",
                "TooManyReplicas",
                "the desired replica count is more than the maximum replica count",
            )
        if recommendation < self.cfg.min_replicas:
            return (
                "True",
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
            )
        return ("False", "DesiredWithinRange", "the desired count is within the acceptable range")

    def _recommend(self, utilization: float, ready: int, pods: int) -> int:
        """desired = ceil(current x utilisation / target), as the replica calculator does."""
        ratio = utilization / self.cfg.target_utilization
        if abs(ratio - 1.0) <= TOLERANCE:
            return pods
        unready = pods - ready
        if ratio > 1.0 and unready:
            # scaling up: pods not ready yet count as using 0% of their request
            ratio = utilization * ready / pods / self.cfg.target_utilization
            if ratio <= 1.0 or abs(ratio - 1.0) <= TOLERANCE:
                return pods  # the direction reversed or fell within tolerance: no change
            return math.ceil(ratio * pods)
        return math.ceil(ratio * ready)

    def _stabilise(self, now: float, recommendation: int, pods: int) -> int:
        """Highest recommendation within the scale-down window, lowest within the scale-up."""
        cfg, st = self.cfg, self.state
        st.recommendations.append((now, recommendation))
        keep = max(cfg.scale_down_window, cfg.scale_up_window)
        st.recommendations = [(t, r) for t, r in st.recommendations if t >= now - keep]
        up = min(r for t, r in st.recommendations if t >= now - cfg.scale_up_window)
        down = max(r for t, r in st.recommendations if t >= now - cfg.scale_down_window)
        desired = pods
        if desired < up:
            desired = up
        if desired > down:
            desired = down
        return max(cfg.min_replicas, min(cfg.max_replicas, desired))

    def _scale(self, now: float, desired: int) -> None:
        st = self.state
        st.pods.sort()
        if desired > len(st.pods):
            st.pods += [now + self.cfg.pod_start_seconds] * (desired - len(st.pods))
        else:
            del st.pods[desired:]  # the newest (least ready) pods go first
        st.last_scale = time.time()
        st.able_to_scale = (
            "True",
            "SucceededRescale",
            f"the HPA controller was able to update the target scale to {desired}",
        )
        self._resource_version += 1

    # --- the objects -----------------------------------------------------------------------

    def _metadata(self, kind: str, name: str) -> dict:
        return {
            "name": name,
            "namespace": self.cfg.namespace,
            "uid": self.uids[kind],
            "resourceVersion": str(self._resource_version),
            "generation": 1 + (self._resource_version - 1000),
            "creationTimestamp": rfc3339(self.created),
            "labels": {"app.kubernetes.io/name": self.cfg.deployment},
        }

    def _condition(self, kind: str, value: tuple[str, str, str]) -> dict:
        return {
            "type": kind,
            "status": value[0],
            "lastTransitionTime": rfc3339(self.created),
            "reason": value[1],
            "message": value[2],
        }

    def hpa_object(self) -> dict:
        return {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": self._metadata("hpa", self.cfg.hpa_name),
            "spec": self._hpa_spec(),
            "status": self._hpa_status(),
        }

    def _hpa_status(self) -> dict:
        st = self.state
        current: dict = {}
        if st.utilization is not None:
            current = {
                "averageUtilization": st.utilization,
                "averageValue": f"{st.value_millicores}m",
            }
        status = {
            "currentReplicas": st.current,
            "desiredReplicas": st.desired,
            "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": current}}
            ],
            "conditions": [
                self._condition("AbleToScale", st.able_to_scale),
                self._condition("ScalingActive", st.scaling_active),
                self._condition("ScalingLimited", st.scaling_limited),
            ],
        }
        if st.last_scale:
            status["lastScaleTime"] = rfc3339(st.last_scale)
        return status

    def _hpa_spec(self) -> dict:
        cfg = self.cfg
        return {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": cfg.deployment,
            },
            "minReplicas": cfg.min_replicas,
            "maxReplicas": cfg.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {
                            "type": "Utilization",
                            "averageUtilization": cfg.target_utilization,
                        },
                    },
                }
            ],
            "behavior": {
                "scaleUp": {
                    "stabilizationWindowSeconds": cfg.scale_up_window,
                    "selectPolicy": "Max",
                    "policies": [
                        {"type": "Pods", "value": 4, "periodSeconds": 15},
                        {"type": "Percent", "value": 100, "periodSeconds": 15},
                    ],
                },
                "scaleDown": {
                    "stabilizationWindowSeconds": cfg.scale_down_window,
                    "selectPolicy": "Max",
                    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
                },
            },
        }

    def deployment_object(self) -> dict:
        cfg, st, now = self.cfg, self.state, time.monotonic()
        pods = len(st.pods)
        ready = sum(at <= now for at in st.pods)
        labels = {"app.kubernetes.io/name": cfg.deployment}
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": self._metadata("deployment", cfg.deployment),
            "spec": {
                "replicas": pods,
                "selector": {"matchLabels": labels},
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"},
                },
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [self._container()]},
                },
            },
            "status": self._deployment_status(pods, ready),
        }

    def _container(self) -> dict:
        cfg = self.cfg
        requests = {"memory": "128Mi"}
        if cfg.cpu_requests_set:
            requests["cpu"] = f"{round(cfg.cpu_request_cores * 1000)}m"
        return {
            "name": cfg.container,
            "image": "registry.example/users-api@sha256:" + "0" * 64,
            "ports": [{"name": "http", "containerPort": 8000, "protocol": "TCP"}],
            "resources": {
                "requests": requests,
                "limits": {"cpu": "500m", "memory": "256Mi"},
            },
        }

    def _deployment_status(self, pods: int, ready: int) -> dict:
        cfg = self.cfg
        status = {
            "observedGeneration": 1 + (self._resource_version - 1000),
            "replicas": pods,
            "updatedReplicas": pods,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": pods - ready,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if ready >= cfg.min_replicas else "False",
                    "lastUpdateTime": rfc3339(self.created),
                    "lastTransitionTime": rfc3339(self.created),
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": rfc3339(self.created),
                    "lastTransitionTime": rfc3339(self.created),
                    "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{cfg.deployment}-7d4b9c8f6" has successfully '
                    "progressed.",
                },
            ],
        }
        return {k: v for k, v in status.items() if v != 0}  # the API server omits zeros

    # --- HTTP ------------------------------------------------------------------------------

    def _route(self, method: str, path: str) -> tuple[int, dict]:
        ns = re.escape(self.cfg.namespace)
        base = f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers"
        with self.lock:
            if re.fullmatch(base, path):
                return 200, {
                    "apiVersion": "autoscaling/v2",
                    "kind": "HorizontalPodAutoscalerList",
                    "metadata": {"resourceVersion": str(self._resource_version)},
                    # as from a real API server, list items carry no apiVersion and kind
                    "items": [
                        {
                            k: v
                            for k, v in self.hpa_object().items()
                            if k not in ("apiVersion", "kind")
                        }
                    ],
                }
            match = re.fullmatch(base + r"/([^/]+)", path)
            if match:
                if match[1] != self.cfg.hpa_name:
                    return self._not_found("horizontalpodautoscalers", "autoscaling", match[1])
                return 200, self.hpa_object()
            match = re.fullmatch(f"/apis/apps/v1/namespaces/{ns}/deployments/([^/]+)", path)
            if match:
                if match[1] != self.cfg.deployment:
                    return self._not_found("deployments", "apps", match[1])
                return 200, self.deployment_object()
        self.unexpected.append(f"{method} {path}")
        return 404, self._status(
            404, "NotFound", "the server could not find the requested resource"
        )

    @staticmethod
    def _status(code: int, reason: str, message: str, details: dict | None = None) -> dict:
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            **({"details": details} if details else {}),
            "code": code,
        }

    def _not_found(self, resource: str, group: str, name: str) -> tuple[int, dict]:
        return 404, self._status(
            404,
            "NotFound",
            f'{resource}.{group} "{name}" not found',
            {"name": name, "group": group, "kind": resource},
        )

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Audit-Id", str(uuid.uuid4()))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                path = self.path.split("?", 1)[0]
                server.requests.append((self.command, path))
                if self.headers.get("Authorization") != f"Bearer {server.token}":
                    server.unauthorised += 1
                    self._answer(401, server._status(401, "Unauthorized", "Unauthorized"))
                    return
                if self.command != "GET":
                    server.unexpected.append(f"{self.command} {path}")
                    self._answer(
                        405,
                        server._status(
                            405,
                            "MethodNotAllowed",
                            "the server does not allow this method on the requested resource",
                        ),
                    )
                    return
                self._answer(*server._route(self.command, path))

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        return Handler
