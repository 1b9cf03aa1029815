"""The smoke and contract suites, run against a container of the image at its BASE_URL."""

from __future__ import annotations

import os
import subprocess
import sys

from harness.common.paths import ROOT
from harness.image.runner import ImageError, say

SUITES = ("smoke", "contract")


def suite_targets(suite: str) -> tuple[list[str], str | None]:
    """What of tests/SUITE can run against a BASE_URL, and, when nothing, why not.

    Test files that read BASE_URL themselves are run alone (tests/contract/test_live.py: the
    rest of that gate tests the code in-process); when only the suite's conftest or helpers read
    it (tests/smoke), the whole folder runs.
    """
    folder = ROOT / "tests" / suite
    files = sorted(folder.rglob("*.py")) if folder.is_dir() else []
    tests = [f for f in files if f.name.startswith("test_")]
    if not tests:
        return [], f"tests/{suite} has no tests on this branch yet"
    reads = [f for f in files if "BASE_URL" in f.read_text(errors="replace")]
    if not reads:
        return [], f"tests/{suite} does not read BASE_URL, so it cannot target a container"
    live_tests = [f for f in reads if f in tests]
    chosen = live_tests or [folder]
    return [str(path.relative_to(ROOT)) for path in chosen], None


def suite_status(suite: str) -> str | None:
    """None when tests/SUITE can run against a BASE_URL; else why it cannot, in one line."""
    return suite_targets(suite)[1]


def has_tox_env(suite: str) -> bool:
    # read_tox knows tox's generative section names ([testenv:smoke{,-postgresql}]).
    from harness.pipeline.model import read_tox

    return suite in read_tox(ROOT)


def run_suite(suite: str, base_url: str, tag: str, extra_env: dict[str, str] | None = None):
    """Run tests/SUITE against BASE_URL, inside the suite's own tox env when it has one (its
    pinned deps, pass_env and settings: `toxw exec -e SUITE`), else in this environment.

    JUnit: reports/image-SUITE-TAG.xml. Returns the CompletedProcess.
    """
    targets, reason = suite_targets(suite)
    if reason:
        raise ImageError(reason)
    junit = ROOT / "reports" / f"image-{suite}-{tag}.xml"
    junit.parent.mkdir(exist_ok=True)
    pytest_cmd = [
        "python",
        "-m",
        "pytest",
        *targets,
        f"--junitxml={junit}",
        "-o",
        f"junit_suite_name=image-{suite}-{tag}",
    ]
    if has_tox_env(suite):
        cmd = [sys.executable, str(ROOT / "toxw"), "exec", "-e", suite, "--", *pytest_cmd]
    else:
        cmd = [sys.executable, *pytest_cmd[1:]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOX_")}
    env.update(extra_env or {})
    env["BASE_URL"] = base_url
    env.pop("DATABASE_URL", None)  # the suite talks to the container, not to a database
    say(f"running {' '.join(targets)} against {base_url}")
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
