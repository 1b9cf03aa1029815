"""CLI: python -m harness.hpa [flags]; exit 0 when the HPA check passes, 1 when it fails,
2 when it cannot run (no cluster configured, a bad input)."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from harness.hpa import config

    config.parser().parse_args(argv)  # --help and unknown flags before anything else
    from harness.hpa import cluster as k8s

    try:
        k8s.require_cluster()
        cfg = config.load(argv)
        api_client, default_namespace = k8s.connect(cfg.context)
    except config.ConfigError as exc:
        print(f"hpa: {exc}", file=sys.stderr)
        return 2
    except k8s.NoCluster as exc:
        print(exc, file=sys.stderr)
        return 2

    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    from harness.hpa import check, report

    started = time.monotonic()
    namespace = cfg.namespace or default_namespace
    out = check.Outcome()
    try:
        check.run(cfg, k8s.Cluster(api_client, namespace), out)
    except ApiException as exc:
        out.add(
            "cluster-api",
            False,
            f"the Kubernetes API answered {exc.status} {exc.reason}: "
            f"{(exc.body or '')[:300]} (check the kubeconfig's credentials and RBAC: the check "
            "needs get/list on horizontalpodautoscalers and get on deployments)",
        )
    except HTTPError as exc:
        out.add("cluster-api", False, f"the Kubernetes API is unreachable: {exc}")
    written = report.write_all(
        Path(cfg.reports), cfg.report_name, cfg, out, time.monotonic() - started
    )
    print(f"Reports: {', '.join(str(p) for p in written)}")
    if out.passed:
        print("HPA check PASSED")
        return 0
    print("HPA check FAILED:")
    for failure in out.failures:
        print(f"  - {failure}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
