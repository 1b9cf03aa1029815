"""The gate can fail: each test breaks a copy of k8s/ the way a real change could, runs the same
gate, and asserts that it fails with a message naming the overlay, the object and the field."""

import shutil

import pytest

from harness.manifests import gate
from harness.manifests.render import K8S

SECRET_REF = """            - name: DJANGO_SECRET_KEY
              valueFrom:
                secretKeyRef:
                  name: users-api-secrets
                  key: DJANGO_SECRET_KEY
"""

BREAKAGES = {
    "typo-in-a-field": (
        "base/deployment.yaml",
        "          readinessProbe:",
        "          readinesProbe:",
        [
            "dev: Deployment/users-api: spec.template.spec.containers.0: Additional properties are "
            "not allowed ('readinesProbe' was unexpected)",
            "prd: Deployment/users-api: spec.template.spec.containers.0: Additional properties",
        ],
    ),
    "unknown-kind": (
        "base/pdb.yaml",
        "kind: PodDisruptionBudget",
        "kind: PodDisruptionBudgt",
        [
            "dev: PodDisruptionBudgt/users-api: kind 'PodDisruptionBudgt' with apiVersion "
            "'policy/v1' does not exist in Kubernetes 1.34",
        ],
    ),
    "missing-cpu-request": (
        "base/deployment.yaml",
        "            requests:\n              cpu: 250m\n",
        "            requests:\n",
        [
            "dev: Deployment/users-api: spec.template.spec.containers[api].resources.requests.cpu "
            "is missing; HorizontalPodAutoscaler/users-api scales on CPU utilisation",
            "prd: Deployment/users-api: spec.template.spec.containers[api].resources.requests.cpu",
        ],
    ),
    "probe-path-that-does-not-exist": (
        "base/deployment.yaml",
        "path: /readyz",
        "path: /ready",
        [
            "dev: Deployment/users-api: spec.template.spec.containers[api].readinessProbe.httpGet"
            ".path '/ready' does not exist in the app's URL configuration (webapp.urls)",
            "prd: Deployment/users-api: spec.template.spec.containers[api].readinessProbe",
        ],
    ),
    "latest-tag": (
        "base/kustomization.yaml",
        "newTag: set-by-pipeline",
        "newTag: latest",
        [
            "dev: Deployment/users-api: spec.template.spec.containers[api].image "
            "'users-api:latest' uses the latest tag",
            "prd: Job/users-api-migrate: spec.template.spec.containers[migrate].image "
            "'users-api:latest' uses the latest tag",
        ],
    ),
    "env-name-typo": (
        "base/kustomization.yaml",
        "- SERVER_THREADS=2",
        "- SERVER_THREAD=2",
        [
            "dev: Deployment/users-api: spec.template.spec.containers[api].env sets "
            "SERVER_THREAD, which the code never reads",
            "prd: Job/users-api-migrate: spec.template.spec.containers[migrate].env does not set "
            "SERVER_THREADS, which the code reads (webapp/server.py:",
        ],
    ),
    "service-target-port": (
        "base/service.yaml",
        "targetPort: http",
        "targetPort: web",
        [
            "prd: Service/users-api: spec.ports[http].targetPort 'web' is not a container port "
            "of Deployment/users-api",
        ],
    ),
    "committed-secret-value": (
        "base/deployment.yaml",
        SECRET_REF,
        "            - name: DJANGO_SECRET_KEY\n"
        '              value: "b1f8c0e4a7d2f9e6c3b5a8d1e4f7a0c3b6d9e2f5a8c1d4e7f0a3b6c9d2e5f8a1"\n',
        [
            "dev: Deployment/users-api: spec.template.spec.containers[api].env[DJANGO_SECRET_KEY]"
            ".value is a plaintext secret value; use valueFrom.secretKeyRef",
            "prd: Deployment/users-api: spec.template.spec.containers[api].env[DJANGO_SECRET_KEY]",
        ],
    ),
    "committed-secret-in-a-generator": (
        "overlays/prd/kustomization.yaml",
        "patches:\n",
        "secretGenerator:\n  - name: users-api-secrets\n    literals:\n"
        "      - DATABASE_URL=postgresql://users:hunter2@db.example.com:5432/users\n"
        "patches:\n",
        [
            "prd: Secret/users-api-secrets-",
            ": data holds committed secret values (DATABASE_URL); the pipeline creates this Secret",
            "k8s/overlays/prd/kustomization.yaml: secretGenerator users-api-secrets: secret "
            "values are committed",
        ],
    ),
    "replicas-set-while-the-hpa-owns-them": (
        "base/deployment.yaml",
        "  revisionHistoryLimit: 5\n",
        "  replicas: 2\n  revisionHistoryLimit: 5\n",
        [
            "dev: Deployment/users-api: spec.replicas is set (2) while "
            "HorizontalPodAutoscaler/users-api owns the replica count",
            "prd: Deployment/users-api: spec.replicas is set (2)",
        ],
    ),
    "any-host-allowed": (
        "overlays/dev/kustomization.yaml",
        "DJANGO_ALLOWED_HOSTS=users-api-dev.westeurope.cloudapp.azure.com",
        "DJANGO_ALLOWED_HOSTS=*",
        [
            "dev: Deployment/users-api: spec.template.spec.containers[api] DJANGO_ALLOWED_HOSTS "
            "is '*': name the hosts the service answers to",
        ],
    ),
    "probe-with-a-host-that-is-not-allowed": (
        "base/deployment.yaml",
        "            httpGet:\n              path: /healthz\n              port: http\n"
        "            periodSeconds: 10",
        "            httpGet:\n              path: /api/users/\n              port: http\n"
        "              httpHeaders: [{name: Host, value: probe.internal}]\n"
        "            periodSeconds: 10",
        [
            "prd: Deployment/users-api: spec.template.spec.containers[api].livenessProbe.httpGet "
            "asks for '/api/users/' with Host 'probe.internal', which DJANGO_ALLOWED_HOSTS "
            "(users-api-prd.westeurope.cloudapp.azure.com) refuses with 400",
        ],
    ),
}


def break_copy(tmp_path, file, old, new):
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    path = copy / file
    text = path.read_text()
    assert old in text, f"{file} no longer contains {old!r}; update this breakage"
    path.write_text(text.replace(old, new, 1))
    return copy


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_gate_fails_on(tmp_path, breakage):
    file, old, new, expected = BREAKAGES[breakage]
    problems = gate.problems(break_copy(tmp_path, file, old, new), policy=False)
    print(f"{breakage}: {len(problems)} problem(s)")
    for problem in problems:
        print("  FAIL", problem)
    for fragment in expected:
        assert any(fragment in p for p in problems), (
            f"{breakage}: expected a failure containing {fragment!r}, got:\n" + "\n".join(problems)
        )


def test_the_committed_tree_passes_the_same_gate():
    problems = gate.problems(K8S, policy=False)
    assert not problems, "\n".join(problems)


def test_the_policy_scan_fails_on_a_new_finding(tmp_path):
    """Dropping `capabilities: drop: [ALL]` is a checkov finding no skip accepts."""
    copy = break_copy(
        tmp_path,
        "base/deployment.yaml",
        '            capabilities:\n              drop: ["ALL"]\n',
        "",
    )
    problems = gate.problems(copy)
    assert any("Deployment.users-api-dev.users-api: checkov CKV_K8S_28" in p for p in problems), (
        "\n".join(problems)
    )
