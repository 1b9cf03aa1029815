"""The checker's inputs and verdicts that no cluster scenario can reach cheaply."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness.common.paths import ROOT
from harness.hpa import check, config


def test_without_a_cluster_it_says_in_one_line_what_to_set(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HPA_", "KUBERNETES_")) and k not in ("BASE_URL", "KUBECONFIG")
    }
    env["HOME"] = str(tmp_path)  # no ~/.kube/config there
    done = subprocess.run(
        [sys.executable, "-m", "harness.hpa"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = (done.stdout + done.stderr).splitlines()
    assert done.returncode == 2
    assert len(lines) == 1, lines
    assert "no cluster configured" in lines[0]
    assert "KUBECONFIG" in lines[0]
    assert "BASE_URL" in lines[0]
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "BASE_URL is not set"),
        ({"BASE_URL": "http://x", "HPA_RATE": "5000"}, "HPA_RATE=5000 is out of bounds"),
        ({"BASE_URL": "http://x", "HPA_CONCURRENCY": "0"}, "between 1 and 64"),
        ({"BASE_URL": "http://x", "HPA_DURATION": "soon"}, "not a valid float"),
        (
            {"BASE_URL": "http://x", "HPA_DURATION": "30", "HPA_SCALE_UP_WITHIN": "60"},
            "longer than the load",
        ),
    ],
)
def test_inputs_are_bounded(environ, expected):
    with pytest.raises(config.ConfigError, match=expected):
        config.load([], environ)


def test_flags_win_over_environment():
    cfg = config.load(
        ["--rate", "7", "--base-url", "http://a/"], {"HPA_RATE": "9", "BASE_URL": "b"}
    )
    assert cfg.rate == 7.0
    assert cfg.base_url == "http://a"


def _sample(t, phase, desired, ready, cpu=40, spec=None):
    return {
        "t": t,
        "phase": phase,
        "cpu_utilization": cpu,
        "desired_replicas": desired,
        "current_replicas": spec or desired,
        "spec_replicas": spec or desired,
        "pods": spec or desired,
        "ready_replicas": ready,
        "_min": 1,
        "_scale_down_window": 2,
    }


def _outcome(samples):
    out = check.Outcome(samples=samples, phases=[{"name": "load", "start": 0, "end": 3}])
    out.hpa = {"max_replicas": 3, "min_replicas": 1, "target_cpu_utilization": 50}
    out.hpa["expect_replicas"] = 2
    out.load = {"requests": 100, "errors": 0, "outcomes": {"200": 100}, "p95_ms": 10.0}
    return out


def test_replicas_above_max_fail_even_when_everything_else_holds():
    cfg = config.load([], {"BASE_URL": "http://x", "HPA_SCALE_UP_WITHIN": "2"})
    samples = [_sample(0, "start", 1, 1), _sample(1, "load", 2, 2), _sample(2, "load", 4, 3)]
    out = _outcome(samples)
    check.evaluate(cfg, out)
    assert [c.name for c in out.checks if not c.passed] == ["never-above-max"]
    assert "exceeded maxReplicas (3) at t=2s" in out.failures[0]


def test_a_clean_timeline_passes():
    cfg = config.load([], {"BASE_URL": "http://x", "HPA_SCALE_UP_WITHIN": "2"})
    out = _outcome([_sample(0, "start", 1, 1), _sample(1, "load", 2, 2)])
    check.evaluate(cfg, out)
    assert out.passed, out.failures
