"""checkov's policy scan, offline: the kubernetes framework over every rendered variant, the
dockerfile framework over the Dockerfile. Accepted findings are listed, with their reason, in
k8s/checkov-skips.yaml; nothing else is skipped."""

from harness.common import checkov
from harness.manifests import validate


def test_checkov_kubernetes(deployed):
    failures = validate.scan_variants(deployed)
    skips = validate.load_skips()
    problems = validate.judge(failures, skips, "kubernetes")
    assert not problems, "\n".join(problems)
    accepted = sorted({f["check_id"] for _, f in failures})
    print(f"checkov kubernetes: {len(deployed)} variants scanned; accepted findings: {accepted}")
    for skip in skips:
        print(f"  skipped {skip['id']} {skip.get('resources', ['*'])}: {skip['reason']}")


def test_every_skip_has_a_reason():
    for skip in validate.load_skips():
        assert len((skip.get("reason") or "").strip()) >= 20, f"{skip['id']} has no reason"


def test_a_finding_that_is_not_skipped_fails_and_a_stale_skip_fails():
    finding = {"check_id": "CKV_K8S_1", "check_name": "x", "resource": "Deployment.ns.app"}
    problems = validate.judge(
        [("dev", finding)], [{"id": "CKV_K8S_2", "reason": "r"}], "kubernetes"
    )
    assert "dev: Deployment.ns.app: checkov CKV_K8S_1 (x) fails" in problems[0]
    assert "CKV_K8S_2 ['*'] is skipped but no longer fails" in problems[1]


def test_checkov_dockerfile_framework_runs_offline(tmp_path):
    """The dockerfile framework works here; a Dockerfile that runs as root and uses latest fails."""
    sample = tmp_path / "Dockerfile"
    sample.write_text('FROM python:latest\nRUN pip install gunicorn\nCMD ["gunicorn"]\n')
    failed = {f["check_id"] for f in checkov.run_checkov("dockerfile", sample)}
    assert {"CKV_DOCKER_2", "CKV_DOCKER_3", "CKV_DOCKER_7"} <= failed, failed


if validate.DOCKERFILE.exists():

    def test_checkov_dockerfile():
        failures = [
            ("Dockerfile", f) for f in checkov.run_checkov("dockerfile", validate.DOCKERFILE)
        ]
        problems = validate.judge(failures, validate.load_skips(), "dockerfile")
        assert not problems, "\n".join(problems)
