"""Cross-object and code checks of rendered manifests.

Every check takes one rendered variant (or two, for dev against prd) and returns a list of
problems. Each problem names the variant (overlay), the object and the field, in words a release
manager can act on. The tests in this folder run them on the committed k8s/ tree, and on broken
copies of it to prove that each one fails when it should.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from tests.manifests.render import ROOT, Variant

APP = "users-api"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")
# Files whose environment reads are the service's configuration.
CONFIG_SOURCES = ("webapp", "gunicorn.conf.py")
# Readers of a variable by name: the settings' helpers, gunicorn.conf.py's, os.environ.get/getenv.
ENV_READERS = {"env_str", "env_bool", "env_int", "env_list", "_int", "getenv"}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|DATABASE_URL")
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


def ref(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def pod_spec(obj: dict) -> dict | None:
    if obj.get("kind") in WORKLOAD_KINDS:
        return obj["spec"]["template"]["spec"]
    if obj.get("kind") == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if obj.get("kind") == "Pod":
        return obj["spec"]
    return None


def pod_labels(obj: dict) -> dict:
    if obj.get("kind") in WORKLOAD_KINDS:
        return obj["spec"]["template"].get("metadata", {}).get("labels", {}) or {}
    return {}


def containers(obj: dict, init: bool = True) -> list[tuple[str, dict]]:
    """(field path, container) of every container of a workload."""
    spec = pod_spec(obj)
    if spec is None:
        return []
    base = "spec.template.spec" if obj["kind"] != "Pod" else "spec"
    found = [(f"{base}.containers[{c['name']}]", c) for c in spec.get("containers", [])]
    if init:
        found += [
            (f"{base}.initContainers[{c['name']}]", c) for c in spec.get("initContainers", [])
        ]
    return found


def workloads(variant: Variant) -> list[dict]:
    return [o for o in variant.objects if pod_spec(o) is not None]


def app_workloads(variant: Variant) -> list[dict]:
    """The workloads that run the service's image (the API Deployment, the migration Job)."""
    return [o for o in workloads(variant) if pod_labels(o).get("app.kubernetes.io/name") == APP]


def selects(selector: dict, labels: dict) -> bool:
    """Whether a label selector (Service style or matchLabels/matchExpressions) matches labels."""
    if not selector:
        return False
    match_labels = selector.get("matchLabels", {}) if "matchLabels" in selector else None
    expressions = selector.get("matchExpressions", [])
    if match_labels is None and not expressions:
        match_labels = selector  # a Service's plain map
    for key, value in (match_labels or {}).items():
        if labels.get(key) != value:
            return False
    for expr in expressions:
        value, op = labels.get(expr["key"]), expr["operator"]
        if op == "In" and value not in expr.get("values", []):
            return False
        if op == "NotIn" and value in expr.get("values", []):
            return False
        if op == "Exists" and expr["key"] not in labels:
            return False
        if op == "DoesNotExist" and expr["key"] in labels:
            return False
    return True


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    last = image.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        image, tag = image.rsplit(":", 1)
    return image, tag, digest


# --- the checks ------------------------------------------------------------------------------


def check_hpa_targets(v: Variant) -> list[str]:
    """Every HPA targets an existing Deployment whose containers all request CPU."""
    problems = []
    hpas = v.of_kind("HorizontalPodAutoscaler")
    if not hpas:
        problems.append(f"{v.name}: no HorizontalPodAutoscaler rendered")
    for hpa in hpas:
        target = hpa["spec"]["scaleTargetRef"]
        obj = v.get(target["kind"], target["name"])
        where = f"{v.name}: {ref(hpa)}: spec.scaleTargetRef"
        if target["kind"] != "Deployment" or obj is None:
            problems.append(
                f"{where} points at {target['kind']}/{target['name']}, "
                "which is not a Deployment of this overlay"
            )
            continue
        for path, container in containers(obj):
            if not (container.get("resources", {}).get("requests", {}) or {}).get("cpu"):
                problems.append(
                    f"{v.name}: {ref(obj)}: {path}.resources.requests.cpu is missing; "
                    f"{ref(hpa)} scales on CPU utilisation, which is measured against it"
                )
    return problems


def _ports(obj: dict) -> list[dict]:
    return [p for _, c in containers(obj, init=False) for p in c.get("ports", [])]


def check_services(v: Variant) -> list[str]:
    """Every Service selects pods, and every targetPort is a port of those pods' containers."""
    problems = []
    for svc in v.of_kind("Service"):
        selector = svc["spec"].get("selector") or {}
        selected = [w for w in workloads(v) if selects(selector, pod_labels(w))]
        if not selected:
            problems.append(f"{v.name}: {ref(svc)}: spec.selector {selector} selects no pods")
            continue
        ports = [p for w in selected for p in _ports(w)]
        for port in svc["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            ok = any(target in (p.get("name"), p["containerPort"]) for p in ports)
            if not ok:
                problems.append(
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
                    problems.append(
                        f"{v.name}: {ref(ingress)}: spec.rules[].http.paths[{path['path']}]"
                        f".backend names Service {backend['name']} port {port!r}, which does "
                        "not exist"
                    )
    return problems


def _resolves(path: str) -> str | None:
    """None when the app's URL configuration serves ``path``, else why not."""
    from django.urls import Resolver404, resolve

    from webapp.api.views import not_found

    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return "matches no URL pattern"
    if match.func is not_found or getattr(match.func, "__wrapped__", None) is not_found:
        return "is answered only by the catch-all 404 view"
    return None


def check_probe_paths(v: Variant) -> list[str]:
    """Every HTTP probe of the app's containers asks for a path the app serves, on its port."""
    problems = []
    for obj in app_workloads(v):
        for path, container in containers(obj):
            port_names = {p.get("name") for p in container.get("ports", [])}
            port_numbers = {p["containerPort"] for p in container.get("ports", [])}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                http = (container.get(probe) or {}).get("httpGet")
                if not http:
                    continue
                why = _resolves(http.get("path", "/"))
                if why:
                    problems.append(
                        f"{v.name}: {ref(obj)}: {path}.{probe}.httpGet.path {http.get('path')!r} "
                        f"does not exist in the app's URL configuration (webapp.urls): it {why}"
                    )
                if http["port"] not in port_names | port_numbers:
                    problems.append(
                        f"{v.name}: {ref(obj)}: {path}.{probe}.httpGet.port {http['port']!r} "
                        "is not a port of the container"
                    )
    return problems


def image_port() -> tuple[int, str]:
    """The port the image listens on: the Dockerfile's ENV PORT, else gunicorn.conf.py's default."""
    dockerfile = ROOT / "Dockerfile"
    if dockerfile.exists():
        text = dockerfile.read_text().replace("\\\n", " ")  # join continued lines
        found = re.search(r"^\s*ENV\b.*?\bPORT[= ]\"?(\d+)", text, re.MULTILINE)
        if found:
            return int(found.group(1)), "the Dockerfile's ENV PORT"
    tree = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "_int"
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "PORT"
        ):
            return node.args[1].value, "gunicorn.conf.py's default PORT"
    raise AssertionError("cannot find the image's PORT in the Dockerfile or gunicorn.conf.py")


def _env_values(v: Variant, container: dict) -> dict[str, str | None]:
    """Variable name -> literal value (None when it comes from a Secret or cannot be known)."""
    values: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            cm = v.get("ConfigMap", source["configMapRef"]["name"])
            for key, value in ((cm or {}).get("data") or {}).items():
                values[source.get("prefix", "") + key] = value
        else:
            values[f"<all keys of Secret {source['secretRef']['name']}>"] = None
    for item in container.get("env", []):
        if "value" in item:
            values[item["name"]] = item["value"]
        elif "configMapKeyRef" in item.get("valueFrom", {}):
            key = item["valueFrom"]["configMapKeyRef"]
            cm = v.get("ConfigMap", key["name"])
            values[item["name"]] = ((cm or {}).get("data") or {}).get(key["key"])
        else:
            values[item["name"]] = None
    return values


def check_container_port(v: Variant) -> list[str]:
    """The app's container port is the image's PORT, and PORT/GUNICORN_BIND agree with it."""
    problems = []
    expected, source = image_port()
    for obj in v.of_kind("Deployment"):
        if obj not in app_workloads(v):
            continue
        for path, container in containers(obj, init=False):
            ports = [p["containerPort"] for p in container.get("ports", [])]
            if ports != [expected]:
                problems.append(
                    f"{v.name}: {ref(obj)}: {path}.ports[].containerPort is {ports}, but the "
                    f"image listens on {expected} ({source})"
                )
            env = _env_values(v, container)
            if env.get("PORT") not in (None, str(expected)):
                problems.append(
                    f"{v.name}: {ref(obj)}: {path} sets PORT={env['PORT']}, but the container "
                    f"port is {expected}"
                )
            bind = env.get("GUNICORN_BIND")
            if bind and not bind.endswith(f":{expected}"):
                problems.append(
                    f"{v.name}: {ref(obj)}: {path} sets GUNICORN_BIND={bind}, which does not "
                    f"listen on the container port {expected}"
                )
    return problems


def check_job_image(v: Variant) -> list[str]:
    """The migration Job runs exactly the Deployment's image."""
    problems = []
    deployments = [o for o in app_workloads(v) if o["kind"] == "Deployment"]
    jobs = [o for o in app_workloads(v) if o["kind"] == "Job"]
    if not deployments or not jobs:
        return [
            f"{v.name}: expected the app's Deployment and its migration Job, found "
            f"{[ref(o) for o in deployments + jobs]}"
        ]
    images = {c["image"] for d in deployments for _, c in containers(d)}
    for job in jobs:
        for path, container in containers(job):
            if container["image"] not in images:
                problems.append(
                    f"{v.name}: {ref(job)}: {path}.image {container['image']!r} differs from the "
                    f"Deployment's image {sorted(images)}"
                )
    return problems


def env_names_read_by_code() -> dict[str, str]:
    """Every environment variable the service's code reads by name -> where it is read."""
    files = []
    for entry in CONFIG_SOURCES:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    names: dict[str, str] = {}
    for file in files:
        for node in ast.walk(ast.parse(file.read_text())):
            name = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                called = getattr(func, "id", None) or getattr(func, "attr", None)
                is_environ_get = (
                    isinstance(func, ast.Attribute)
                    and func.attr == "get"
                    and getattr(func.value, "attr", None) == "environ"
                )
                if called in ENV_READERS or is_environ_get:
                    name = node.args[0].value
            elif (
                isinstance(node, ast.Subscript)
                and getattr(node.value, "attr", None) == "environ"
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.ctx, ast.Load)
            ):
                name = node.slice.value
            if isinstance(name, str):
                names.setdefault(name, f"{file.relative_to(ROOT)}:{node.lineno}")
    return names


def check_env_names(v: Variant) -> list[str]:
    """The variables the manifests set on the app are exactly those the code reads."""
    problems = []
    read = env_names_read_by_code()
    for obj in app_workloads(v):
        for path, container in containers(obj):
            values = _env_values(v, container)
            for name in sorted(n for n in values if n.startswith("<all keys")):
                problems.append(
                    f"{v.name}: {ref(obj)}: {path}.envFrom[].secretRef sets {name[1:-1]}, names "
                    "no manifest shows; reference each key with env[].valueFrom.secretKeyRef"
                )
                del values[name]
            for name in sorted(set(values) - set(read)):
                problems.append(
                    f"{v.name}: {ref(obj)}: {path}.env sets {name}, which the code never reads "
                    f"(a typo, or a setting that no longer exists)"
                )
            for name in sorted(set(read) - set(values)):
                problems.append(
                    f"{v.name}: {ref(obj)}: {path}.env does not set {name}, which the code "
                    f"reads ({read[name]}); set it in the ConfigMap or the Secret"
                )
    return problems


def _strings(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def check_no_plaintext_secrets(v: Variant) -> list[str]:
    """No secret value is in the manifests: Secrets come from the pipeline, never from the repo."""
    problems = []
    for obj in v.objects:
        keys = sorted({**(obj.get("data") or {}), **(obj.get("stringData") or {})})
        if obj["kind"] == "Secret" and keys:
            problems.append(
                f"{v.name}: {ref(obj)}: data holds committed secret values "
                f"({', '.join(keys)}); "
                "the pipeline creates this Secret from the environment's variable group"
            )
        if obj["kind"] == "ConfigMap":
            for key in obj.get("data") or {}:
                if SECRET_NAME.search(key):
                    problems.append(
                        f"{v.name}: {ref(obj)}: data.{key} puts a secret in a ConfigMap; it "
                        "belongs in the Secret the pipeline creates"
                    )
        for path, c in containers(obj):
            for item in c.get("env", []):
                if "value" in item and SECRET_NAME.search(item["name"]) and item["value"]:
                    problems.append(
                        f"{v.name}: {ref(obj)}: {path}.env[{item['name']}].value is a plaintext "
                        "secret value; use valueFrom.secretKeyRef"
                    )
        for path, text in _strings(obj):
            if URL_WITH_PASSWORD.search(text):
                problems.append(f"{v.name}: {ref(obj)}: {path} holds a URL with a password")
    return problems


def check_no_latest(v: Variant) -> list[str]:
    """Every image names an immutable tag or a digest: never `latest`, never no tag at all."""
    problems = []
    for obj in workloads(v):
        for path, container in containers(obj):
            _, tag, digest = split_image(container["image"])
            if digest:
                continue
            if tag in (None, "latest"):
                what = "the latest tag" if tag else "no tag, which means latest"
                problems.append(
                    f"{v.name}: {ref(obj)}: {path}.image {container['image']!r} uses {what}; "
                    "pin a version tag or a digest"
                )
    return problems


def check_prd_not_below_dev(dev: Variant, prd: Variant) -> list[str]:
    """prd has at least dev's replicas, HPA bounds and PodDisruptionBudget."""
    problems = []
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
                problems.append(f"{prd.name}: {ref(dev_obj)} is missing, but dev has it")
                continue
            if get(prd_obj) < get(dev_obj):
                problems.append(
                    f"{prd.name}: {ref(prd_obj)}: {field} is {get(prd_obj)}, below dev's "
                    f"{get(dev_obj)}"
                )
    return problems


def check_deployment_rules(v: Variant) -> list[str]:
    """The Deployment and the Job follow the rules of k8s/README.md (availability, security)."""
    problems = []
    graceful = None
    for obj in app_workloads(v):
        spec = pod_spec(obj)
        where = f"{v.name}: {ref(obj)}"
        pod_sc = spec.get("securityContext", {})
        if pod_sc.get("runAsNonRoot") is not True or pod_sc.get("runAsUser") != 10001:
            problems.append(
                f"{where}: spec.template.spec.securityContext must run as non-root "
                "UID 10001 (the image's user)"
            )
        if (pod_sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(
                f"{where}: spec.template.spec.securityContext.seccompProfile.type "
                "must be RuntimeDefault"
            )
        mounts_needed = {"/tmp"}
        for path, c in containers(obj):
            sc = c.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(
                    f"{where}: {path}.securityContext.allowPrivilegeEscalation must be false"
                )
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(
                    f"{where}: {path}.securityContext.readOnlyRootFilesystem must be true"
                )
            if (sc.get("capabilities") or {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: {path}.securityContext.capabilities.drop must be [ALL]")
            limits = (c.get("resources") or {}).get("limits") or {}
            requests = (c.get("resources") or {}).get("requests") or {}
            for kind in ("cpu", "memory"):
                if kind not in limits or kind not in requests:
                    problems.append(f"{where}: {path}.resources needs a {kind} request and limit")
            mounted = {m["mountPath"] for m in c.get("volumeMounts", [])}
            for needed in sorted(mounts_needed - mounted):
                problems.append(
                    f"{where}: {path}.volumeMounts has no writable volume at "
                    f"{needed} (the root filesystem is read-only)"
                )
            env = _env_values(v, c)
            if env.get("GUNICORN_GRACEFUL_TIMEOUT"):
                graceful = int(env["GUNICORN_GRACEFUL_TIMEOUT"])
        if obj["kind"] == "Deployment":
            strategy = obj["spec"].get("strategy", {})
            if (strategy.get("rollingUpdate") or {}).get("maxUnavailable") not in (0, "0%"):
                problems.append(f"{where}: spec.strategy.rollingUpdate.maxUnavailable must be 0")
            if not spec.get("topologySpreadConstraints"):
                problems.append(f"{where}: spec.template.spec.topologySpreadConstraints is empty")
            for path, c in containers(obj, init=False):
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    if not c.get(probe):
                        problems.append(f"{where}: {path}.{probe} is missing")
                wanted = {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}
                for probe, url in wanted.items():
                    got = ((c.get(probe) or {}).get("httpGet") or {}).get("path", "")
                    if got.rstrip("/") != url:
                        problems.append(
                            f"{where}: {path}.{probe}.httpGet.path is {got!r}, expected {url}"
                        )
                pre_stop = ((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {})
                delay = pre_stop.get("seconds", 0)
                grace = spec.get("terminationGracePeriodSeconds", 30)
                timeout = graceful if graceful is not None else 25
                if not delay:
                    problems.append(f"{where}: {path}.lifecycle.preStop.sleep.seconds is missing")
                if not timeout + delay <= grace <= timeout + delay + 10:
                    problems.append(
                        f"{where}: spec.template.spec.terminationGracePeriodSeconds is {grace}, "
                        f"but preStop ({delay} s) + GUNICORN_GRACEFUL_TIMEOUT ({timeout} s) "
                        f"needs {timeout + delay} to {timeout + delay + 10}"
                    )
        if obj["kind"] == "Job":
            if "backoffLimit" not in obj["spec"] or "ttlSecondsAfterFinished" not in obj["spec"]:
                problems.append(
                    f"{where}: spec.backoffLimit and spec.ttlSecondsAfterFinished must be set"
                )
            args = [a for _, c in containers(obj) for a in c.get("args", [])]
            if args != ["migrate"]:
                problems.append(
                    f"{where}: spec.template.spec.containers[].args is {args}, expected ['migrate']"
                )
    return problems


def check_hpa_settings(v: Variant) -> list[str]:
    """2 to 6 replicas at 50% CPU, a `behavior` per environment, prd's declared peak load."""
    problems = []
    for hpa in v.of_kind("HorizontalPodAutoscaler"):
        where = f"{v.name}: {ref(hpa)}"
        spec = hpa["spec"]
        if (spec.get("minReplicas"), spec.get("maxReplicas")) != (2, 6):
            problems.append(
                f"{where}: spec.minReplicas/maxReplicas are "
                f"{spec.get('minReplicas')}/{spec.get('maxReplicas')}, expected 2/6"
            )
        cpu = [m for m in spec.get("metrics", []) if m.get("resource", {}).get("name") == "cpu"]
        if not cpu or cpu[0]["resource"]["target"].get("averageUtilization") != 50:
            problems.append(f"{where}: spec.metrics needs CPU at averageUtilization 50")
        down = (spec.get("behavior") or {}).get("scaleDown") or {}
        window = down.get("stabilizationWindowSeconds")
        if window is None:
            problems.append(
                f"{where}: spec.behavior.scaleDown.stabilizationWindowSeconds is "
                "not set for this environment"
            )
        elif v.overlay == "dev" and window > 120:
            problems.append(
                f"{where}: spec.behavior.scaleDown.stabilizationWindowSeconds is "
                f"{window}; dev must scale down within minutes (at most 120)"
            )
        elif v.overlay == "prd" and window < 300:
            problems.append(
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
                    problems.append(
                        f"{where}: metadata.annotations[{key}] must be a positive "
                        "number (the capacity check reads it)"
                    )
    return problems


def check_network_policies(v: Variant) -> list[str]:
    """The app accepts traffic only on its port; only the app reaches the database."""
    problems = []
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
            problems.append(f"{v.name}: {ref(obj)}: no NetworkPolicy limits its ingress")
            continue
        ports = {p["containerPort"] for p in _ports(obj)}
        for policy in ingress:
            for index, rule in enumerate(policy["spec"].get("ingress") or []):
                where = f"{v.name}: {ref(policy)}: spec.ingress[{index}]"
                allowed = {p.get("port") for p in rule.get("ports") or [{}]}
                if not allowed <= ports or None in allowed:
                    problems.append(
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
                            problems.append(
                                f"{where}.from lets {peer or 'anyone'} reach the "
                                f"database {ref(obj)}; only the app may"
                            )
    return problems


def check_tree_for_secrets(k8s: Path) -> list[str]:
    """No file of the k8s/ tree holds a Secret or an env file, rendered or not."""
    problems = []
    for path in sorted(k8s.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(k8s.parent)
        if path.name.startswith(".env") or path.suffix == ".env":
            problems.append(f"{name}: an env file in the manifests; secrets come from the pipeline")
        if path.suffix in (".yaml", ".yml"):
            for doc in yaml.safe_load_all(path.read_text()):
                if isinstance(doc, dict) and doc.get("kind") == "Secret":
                    problems.append(
                        f"{name}: Secret/{doc.get('metadata', {}).get('name')}: a Secret is "
                        "committed; the pipeline creates Secrets (k8s/create-secrets.sh)"
                    )
                for entry in (
                    (doc or {}).get("secretGenerator", []) if isinstance(doc, dict) else []
                ):
                    if entry.get("literals") or entry.get("files") or entry.get("envs"):
                        problems.append(
                            f"{name}: secretGenerator {entry.get('name')}: secret values are "
                            "committed; the pipeline creates Secrets (k8s/create-secrets.sh)"
                        )
    return problems


CHECKS = [
    check_hpa_targets,
    check_hpa_settings,
    check_services,
    check_probe_paths,
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


def load_skips(path: Path) -> list[dict]:
    return (yaml.safe_load(path.read_text()) or {}).get("skips") or []
