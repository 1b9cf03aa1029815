"""Cross-object and code checks of rendered manifests.

Every check takes one rendered variant (or two, for dev against prd) and returns a list of
problems. Each problem names the variant (overlay), the object and the field, in words a release
manager can act on. The tests in this folder run them on the committed k8s/ tree, and on broken
copies of it to prove that each one fails when it should.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from harness.manifests.objects import (
    APP,
    app_workloads,
    container_ports,
    containers,
    env_values,
    pod_labels,
    pod_spec,
    ref,
    selects,
    split_image,
    workloads,
)
from harness.manifests.render import Variant
from harness.manifests.service import env_names_read_by_code, image_port, resolves

SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|DATABASE_URL")
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


def _listed(check: Callable[..., Iterator[str]]) -> Callable[..., list[str]]:
    """A check written as a generator of problems, called as a function that returns the list."""

    @functools.wraps(check)
    def problems(*args) -> list[str]:
        return list(check(*args))

    return problems


@_listed
def check_hpa_targets(v: Variant) -> Iterator[str]:
    """Every HPA targets an existing Deployment whose containers all request CPU."""
    hpas = v.of_kind("HorizontalPodAutoscaler")
    if not hpas:
        yield f"{v.name}: no HorizontalPodAutoscaler rendered"
    for hpa in hpas:
        target = hpa["spec"]["scaleTargetRef"]
        obj = v.get(target["kind"], target["name"])
        where = f"{v.name}: {ref(hpa)}: spec.scaleTargetRef"
        if target["kind"] != "Deployment" or obj is None:
            yield (
                f"{where} points at {target['kind']}/{target['name']}, "
                "which is not a Deployment of this overlay"
            )
            continue
        if "replicas" in obj["spec"]:
            yield (
                f"{v.name}: {ref(obj)}: spec.replicas is set ({obj['spec']['replicas']}) while "
                f"{ref(hpa)} owns the replica count: every kubectl apply of a release would reset "
                "it, in the middle of the load that scaled it; remove spec.replicas"
            )
        for path, container in containers(obj):
            if not (container.get("resources", {}).get("requests", {}) or {}).get("cpu"):
                yield (
                    f"{v.name}: {ref(obj)}: {path}.resources.requests.cpu is missing; "
                    f"{ref(hpa)} scales on CPU utilisation, which is measured against it"
                )


@_listed
def check_services(v: Variant) -> Iterator[str]:
    """Every Service selects pods, and every targetPort is a port of those pods' containers."""
    for svc in v.of_kind("Service"):
        selector = svc["spec"].get("selector") or {}
        selected = [w for w in workloads(v) if selects(selector, pod_labels(w))]
        if not selected:
            yield f"{v.name}: {ref(svc)}: spec.selector {selector} selects no pods"
            continue
        ports = [p for w in selected for p in container_ports(w)]
        for port in svc["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            ok = any(target in (p.get("name"), p["containerPort"]) for p in ports)
            if not ok:
                yield (
                    f"{v.name}: {ref(svc)}: spec.ports[{port.get('name', port['port'])}]"
                    f".targetPort {target!r} is not a container port of "
                    f"{', '.join(ref(w) for w in selected)}"
                )
    for ingress in v.of_kind("Ingress"):
        for rule in ingress["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                svc = v.get("Service", backend["name"])
                port = backend["port"].get("name", backend["port"].get("number"))
                if svc is None or not any(
                    port in (p.get("name"), p["port"]) for p in svc["spec"]["ports"]
                ):
                    yield (
                        f"{v.name}: {ref(ingress)}: spec.rules[].http.paths[{path['path']}]"
                        f".backend names Service {backend['name']} port {port!r}, which does "
                        "not exist"
                    )


@_listed
def check_probe_paths(v: Variant) -> Iterator[str]:
    """Every HTTP probe of the app's containers asks for a path the app serves, on its port."""
    for obj in app_workloads(v):
        for path, container in containers(obj):
            port_names = {p.get("name") for p in container.get("ports", [])}
            port_numbers = {p["containerPort"] for p in container.get("ports", [])}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                http = (container.get(probe) or {}).get("httpGet")
                if not http:
                    continue
                why = resolves(http.get("path", "/"))
                if why:
                    yield (
                        f"{v.name}: {ref(obj)}: {path}.{probe}.httpGet.path {http.get('path')!r} "
                        f"does not exist in the app's URL configuration (webapp.urls): it {why}"
                    )
                if http["port"] not in port_names | port_numbers:
                    yield (
                        f"{v.name}: {ref(obj)}: {path}.{probe}.httpGet.port {http['port']!r} "
                        "is not a port of the container"
                    )


@_listed
def check_allowed_hosts(v: Variant) -> Iterator[str]:
    """The app answers only to named hosts, and every probe reaches it: a probe's path is one
    the Host check exempts, or the probe sends a Host its overlay allows."""
    for obj in app_workloads(v):
        for path, container in containers(obj):
            allowed = env_values(v, container).get("DJANGO_ALLOWED_HOSTS")
            hosts = [h.strip() for h in (allowed or "").split(",") if h.strip()]
            if obj["kind"] == "Deployment" and (not hosts or "*" in hosts):
                yield (
                    f"{v.name}: {ref(obj)}: {path} DJANGO_ALLOWED_HOSTS is {allowed!r}: name the "
                    "hosts the service answers to (a forged Host is then refused with 400)"
                )
            for probe, http in _http_probes(container):
                yield from _probe_host(v, obj, f"{path}.{probe}", http, hosts)


def _http_probes(container: dict):
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        http = (container.get(probe) or {}).get("httpGet")
        if http:
            yield probe, http


def _probe_host(v: Variant, obj: dict, where: str, http: dict, hosts: list[str]):
    from django.conf import settings

    if http.get("path", "/") in settings.HOST_CHECK_EXEMPT_PATHS:
        return
    headers = {h["name"].lower(): h["value"] for h in http.get("httpHeaders", [])}
    host = headers.get("host", "").split(":")[0]
    if host not in hosts and "*" not in hosts:
        yield (
            f"{v.name}: {ref(obj)}: {where}.httpGet asks for {http.get('path')!r} with Host "
            f"{host or '(the pod IP)'!r}, which DJANGO_ALLOWED_HOSTS ({', '.join(hosts)}) refuses "
            "with 400: send an allowed Host header, or probe /healthz or /readyz"
        )


@_listed
def check_container_port(v: Variant) -> Iterator[str]:
    """The app's container port is the image's PORT, and PORT/SERVER_BIND agree with it."""
    expected, source = image_port()
    for obj in v.of_kind("Deployment"):
        if obj not in app_workloads(v):
            continue
        for path, container in containers(obj, init=False):
            ports = [p["containerPort"] for p in container.get("ports", [])]
            if ports != [expected]:
                yield (
                    f"{v.name}: {ref(obj)}: {path}.ports[].containerPort is {ports}, but the "
                    f"image listens on {expected} ({source})"
                )
            env = env_values(v, container)
            if env.get("PORT") not in (None, str(expected)):
                yield (
                    f"{v.name}: {ref(obj)}: {path} sets PORT={env['PORT']}, but the container "
                    f"port is {expected}"
                )
            bind = env.get("SERVER_BIND")
            if bind and not bind.endswith(f":{expected}"):
                yield (
                    f"{v.name}: {ref(obj)}: {path} sets SERVER_BIND={bind}, which does not "
                    f"listen on the container port {expected}"
                )


@_listed
def check_job_image(v: Variant) -> Iterator[str]:
    """The migration Job runs exactly the Deployment's image."""
    deployments = [o for o in app_workloads(v) if o["kind"] == "Deployment"]
    jobs = [o for o in app_workloads(v) if o["kind"] == "Job"]
    if not deployments or not jobs:
        yield (
            f"{v.name}: expected the app's Deployment and its migration Job, found "
            f"{[ref(o) for o in deployments + jobs]}"
        )
        return
    images = {c["image"] for d in deployments for _, c in containers(d)}
    for job in jobs:
        for path, container in containers(job):
            if container["image"] not in images:
                yield (
                    f"{v.name}: {ref(job)}: {path}.image {container['image']!r} differs from the "
                    f"Deployment's image {sorted(images)}"
                )


@_listed
def check_env_names(v: Variant) -> Iterator[str]:
    """The variables the manifests set on the app are exactly those the code reads."""
    read = env_names_read_by_code()
    for obj in app_workloads(v):
        for path, container in containers(obj):
            values = env_values(v, container)
            for name in sorted(n for n in values if n.startswith("<all keys")):
                yield (
                    f"{v.name}: {ref(obj)}: {path}.envFrom[].secretRef sets {name[1:-1]}, names "
                    "no manifest shows; reference each key with env[].valueFrom.secretKeyRef"
                )
                del values[name]
            for name in sorted(set(values) - set(read)):
                yield (
                    f"{v.name}: {ref(obj)}: {path}.env sets {name}, which the code never reads "
                    f"(a typo, or a setting that no longer exists)"
                )
            for name in sorted(set(read) - set(values)):
                yield (
                    f"{v.name}: {ref(obj)}: {path}.env does not set {name}, which the code "
                    f"reads ({read[name]}); set it in the ConfigMap or the Secret"
                )


def _strings(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


@_listed
def check_no_plaintext_secrets(v: Variant) -> Iterator[str]:
    """No secret value is in the manifests: Secrets come from the pipeline, never from the repo."""
    for obj in v.objects:
        keys = sorted({**(obj.get("data") or {}), **(obj.get("stringData") or {})})
        if obj["kind"] == "Secret" and keys:
            yield (
                f"{v.name}: {ref(obj)}: data holds committed secret values "
                f"({', '.join(keys)}); "
                "the pipeline creates this Secret from the environment's variable group"
            )
        if obj["kind"] == "ConfigMap":
            for key in obj.get("data") or {}:
                if SECRET_NAME.search(key):
                    yield (
                        f"{v.name}: {ref(obj)}: data.{key} puts a secret in a ConfigMap; it "
                        "belongs in the Secret the pipeline creates"
                    )
        for path, c in containers(obj):
            for item in c.get("env", []):
                if "value" in item and SECRET_NAME.search(item["name"]) and item["value"]:
                    yield (
                        f"{v.name}: {ref(obj)}: {path}.env[{item['name']}].value is a plaintext "
                        "secret value; use valueFrom.secretKeyRef"
                    )
        for path, text in _strings(obj):
            if URL_WITH_PASSWORD.search(text):
                yield f"{v.name}: {ref(obj)}: {path} holds a URL with a password"


@_listed
def check_no_latest(v: Variant) -> Iterator[str]:
    """Every image names an immutable tag or a digest: never `latest`, never no tag at all."""
    for obj in workloads(v):
        for path, container in containers(obj):
            _, tag, digest = split_image(container["image"])
            if digest:
                continue
            if tag in (None, "latest"):
                what = "the latest tag" if tag else "no tag, which means latest"
                yield (
                    f"{v.name}: {ref(obj)}: {path}.image {container['image']!r} uses {what}; "
                    "pin a version tag or a digest"
                )


@_listed
def check_prd_not_below_dev(dev: Variant, prd: Variant) -> Iterator[str]:
    """prd has at least dev's replicas, HPA bounds and PodDisruptionBudget."""
    pairs = [
        ("Deployment", "spec.replicas", lambda o: o["spec"].get("replicas", 1)),
        ("HorizontalPodAutoscaler", "spec.minReplicas", lambda o: o["spec"].get("minReplicas", 1)),
        ("HorizontalPodAutoscaler", "spec.maxReplicas", lambda o: o["spec"]["maxReplicas"]),
        ("PodDisruptionBudget", "spec.minAvailable", lambda o: o["spec"].get("minAvailable", 0)),
    ]
    for kind, field, get in pairs:
        for dev_obj in dev.of_kind(kind):
            if dev_obj["metadata"].get("labels", {}).get("app.kubernetes.io/name") != APP:
                continue
            prd_obj = prd.get(kind, dev_obj["metadata"]["name"])
            if prd_obj is None:
                yield f"{prd.name}: {ref(dev_obj)} is missing, but dev has it"
                continue
            if get(prd_obj) < get(dev_obj):
                yield (
                    f"{prd.name}: {ref(prd_obj)}: {field} is {get(prd_obj)}, below dev's "
                    f"{get(dev_obj)}"
                )


def _pod_security(where: str, spec: dict):
    pod_sc = spec.get("securityContext", {})
    if pod_sc.get("runAsNonRoot") is not True or pod_sc.get("runAsUser") != 10001:
        yield (
            f"{where}: spec.template.spec.securityContext must run as non-root "
            "UID 10001 (the image's user)"
        )
    if (pod_sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        yield (
            f"{where}: spec.template.spec.securityContext.seccompProfile.type "
            "must be RuntimeDefault"
        )


def _container_security(where: str, path: str, c: dict):
    """A locked-down container: no privilege, a read-only root, requests and limits, a /tmp."""
    sc = c.get("securityContext", {})
    if sc.get("allowPrivilegeEscalation") is not False:
        yield f"{where}: {path}.securityContext.allowPrivilegeEscalation must be false"
    if sc.get("readOnlyRootFilesystem") is not True:
        yield f"{where}: {path}.securityContext.readOnlyRootFilesystem must be true"
    if (sc.get("capabilities") or {}).get("drop") != ["ALL"]:
        yield f"{where}: {path}.securityContext.capabilities.drop must be [ALL]"
    limits = (c.get("resources") or {}).get("limits") or {}
    requests = (c.get("resources") or {}).get("requests") or {}
    for kind in ("cpu", "memory"):
        if kind not in limits or kind not in requests:
            yield f"{where}: {path}.resources needs a {kind} request and limit"
    mounted = {m["mountPath"] for m in c.get("volumeMounts", [])}
    for needed in sorted({"/tmp"} - mounted):
        yield (
            f"{where}: {path}.volumeMounts has no writable volume at "
            f"{needed} (the root filesystem is read-only)"
        )


def _probes(where: str, path: str, c: dict):
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        if not c.get(probe):
            yield f"{where}: {path}.{probe} is missing"
    wanted = {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    for probe, url in wanted.items():
        got = ((c.get(probe) or {}).get("httpGet") or {}).get("path", "")
        if got.rstrip("/") != url:
            yield f"{where}: {path}.{probe}.httpGet.path is {got!r}, expected {url}"


def _graceful_shutdown(where: str, path: str, c: dict, spec: dict, graceful: int | None):
    """preStop sleeps, then the server's graceful timeout runs, all within the grace period."""
    pre_stop = ((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {})
    delay = pre_stop.get("seconds", 0)
    grace = spec.get("terminationGracePeriodSeconds", 30)
    timeout = graceful if graceful is not None else 25
    if not delay:
        yield f"{where}: {path}.lifecycle.preStop.sleep.seconds is missing"
    if not timeout + delay <= grace <= timeout + delay + 10:
        yield (
            f"{where}: spec.template.spec.terminationGracePeriodSeconds is {grace}, "
            f"but preStop ({delay} s) + SERVER_GRACEFUL_TIMEOUT ({timeout} s) "
            f"needs {timeout + delay} to {timeout + delay + 10}"
        )


def _deployment_availability(where: str, obj: dict, spec: dict, graceful: int | None):
    strategy = obj["spec"].get("strategy", {})
    if (strategy.get("rollingUpdate") or {}).get("maxUnavailable") not in (0, "0%"):
        yield f"{where}: spec.strategy.rollingUpdate.maxUnavailable must be 0"
    if not spec.get("topologySpreadConstraints"):
        yield f"{where}: spec.template.spec.topologySpreadConstraints is empty"
    for path, c in containers(obj, init=False):
        yield from _probes(where, path, c)
        yield from _graceful_shutdown(where, path, c, spec, graceful)


def _migration_job(where: str, obj: dict):
    if "backoffLimit" not in obj["spec"] or "ttlSecondsAfterFinished" not in obj["spec"]:
        yield f"{where}: spec.backoffLimit and spec.ttlSecondsAfterFinished must be set"
    args = [a for _, c in containers(obj) for a in c.get("args", [])]
    if args != ["migrate"]:
        yield f"{where}: spec.template.spec.containers[].args is {args}, expected ['migrate']"


@_listed
def check_deployment_rules(v: Variant) -> Iterator[str]:
    """The Deployment and the Job follow the rules of k8s/README.md (availability, security)."""
    graceful = None  # the last SERVER_GRACEFUL_TIMEOUT an app container sets
    for obj in app_workloads(v):
        spec = pod_spec(obj)
        where = f"{v.name}: {ref(obj)}"
        yield from _pod_security(where, spec)
        for path, c in containers(obj):
            yield from _container_security(where, path, c)
            env = env_values(v, c)
            if env.get("SERVER_GRACEFUL_TIMEOUT"):
                graceful = int(env["SERVER_GRACEFUL_TIMEOUT"])
        if obj["kind"] == "Deployment":
            yield from _deployment_availability(where, obj, spec, graceful)
        if obj["kind"] == "Job":
            yield from _migration_job(where, obj)


@_listed
def check_hpa_settings(v: Variant) -> Iterator[str]:
    """2 to 6 replicas at 50% CPU, a `behavior` per environment, prd's declared peak load."""
    for hpa in v.of_kind("HorizontalPodAutoscaler"):
        where = f"{v.name}: {ref(hpa)}"
        spec = hpa["spec"]
        if (spec.get("minReplicas"), spec.get("maxReplicas")) != (2, 6):
            yield (
                f"{where}: spec.minReplicas/maxReplicas are "
                f"{spec.get('minReplicas')}/{spec.get('maxReplicas')}, expected 2/6"
            )
        cpu = [m for m in spec.get("metrics", []) if m.get("resource", {}).get("name") == "cpu"]
        if not cpu or cpu[0]["resource"]["target"].get("averageUtilization") != 50:
            yield f"{where}: spec.metrics needs CPU at averageUtilization 50"
        down = (spec.get("behavior") or {}).get("scaleDown") or {}
        window = down.get("stabilizationWindowSeconds")
        if window is None:
            yield (
                f"{where}: spec.behavior.scaleDown.stabilizationWindowSeconds is "
                "not set for this environment"
            )
        elif v.overlay == "dev" and window > 120:
            yield (
                f"{where}: spec.behavior.scaleDown.stabilizationWindowSeconds is "
                f"{window}; dev must scale down within minutes (at most 120)"
            )
        elif v.overlay == "prd" and window < 300:
            yield (
                f"{where}: spec.behavior.scaleDown.stabilizationWindowSeconds is "
                f"{window}; prd keeps a conservative window (at least 300)"
            )
        if v.overlay == "prd":
            notes = hpa["metadata"].get("annotations") or {}
            for key in ("users-api/peak-rps", "users-api/p95-latency-ms"):
                try:
                    if float(notes[key]) <= 0:
                        raise ValueError
                except (KeyError, ValueError):
                    yield (
                        f"{where}: metadata.annotations[{key}] must be a positive "
                        "number (the capacity check reads it)"
                    )


@_listed
def check_network_policies(v: Variant) -> Iterator[str]:
    """The app accepts traffic only on its port; only the app reaches the database."""
    policies = v.of_kind("NetworkPolicy")
    for obj in workloads(v):
        labels = pod_labels(obj)
        component = labels.get("app.kubernetes.io/component")
        applying = [
            p
            for p in policies
            if selects(p["spec"]["podSelector"], labels) or p["spec"]["podSelector"] == {}
        ]
        ingress = [p for p in applying if "Ingress" in p["spec"].get("policyTypes", [])]
        if not ingress:
            yield f"{v.name}: {ref(obj)}: no NetworkPolicy limits its ingress"
            continue
        ports = {p["containerPort"] for p in container_ports(obj)}
        for policy in ingress:
            for index, rule in enumerate(policy["spec"].get("ingress") or []):
                where = f"{v.name}: {ref(policy)}: spec.ingress[{index}]"
                allowed = {p.get("port") for p in rule.get("ports") or [{}]}
                if not allowed <= ports or None in allowed:
                    yield (
                        f"{where} lets traffic into {ref(obj)} on {sorted(allowed, key=str)}, "
                        f"not only on its container ports {sorted(ports)}"
                    )
                if component == "database":
                    for peer in rule.get("from") or [{}]:
                        sel = peer.get("podSelector")
                        app_only = (
                            sel is not None
                            and "namespaceSelector" not in peer
                            and "ipBlock" not in peer
                            and (sel.get("matchLabels") or {}).get("app.kubernetes.io/name") == APP
                        )
                        if not app_only:
                            yield (
                                f"{where}.from lets {peer or 'anyone'} reach the "
                                f"database {ref(obj)}; only the app may"
                            )


@_listed
def check_tree_for_secrets(k8s: Path) -> Iterator[str]:
    """No file of the k8s/ tree holds a Secret or an env file, rendered or not."""
    for path in sorted(k8s.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(k8s.parent)
        if path.name.startswith(".env") or path.suffix == ".env":
            yield f"{name}: an env file in the manifests; secrets come from the pipeline"
        if path.suffix in (".yaml", ".yml"):
            for doc in yaml.safe_load_all(path.read_text()):
                if isinstance(doc, dict) and doc.get("kind") == "Secret":
                    yield (
                        f"{name}: Secret/{doc.get('metadata', {}).get('name')}: a Secret is "
                        "committed; the pipeline creates Secrets (k8s/create-secrets.sh)"
                    )
                for entry in (
                    (doc or {}).get("secretGenerator", []) if isinstance(doc, dict) else []
                ):
                    if entry.get("literals") or entry.get("files") or entry.get("envs"):
                        yield (
                            f"{name}: secretGenerator {entry.get('name')}: secret values are "
                            "committed; the pipeline creates Secrets (k8s/create-secrets.sh)"
                        )


CHECKS = [
    check_hpa_targets,
    check_hpa_settings,
    check_services,
    check_probe_paths,
    check_allowed_hosts,
    check_container_port,
    check_job_image,
    check_env_names,
    check_no_plaintext_secrets,
    check_no_latest,
    check_deployment_rules,
    check_network_policies,
]


def run_all(variants: dict[str, Variant]) -> list[str]:
    problems = []
    for variant in variants.values():
        for check in CHECKS:
            problems += check(variant)
    if "dev" in variants and "prd" in variants:
        problems += check_prd_not_below_dev(variants["dev"], variants["prd"])
    return problems
