"""harness/image/ci_image.sh: the Build stage's build, scan and push, with fake docker and trivy.

There is no Docker engine, registry or Trivy database here: `docker` and `trivy` are small test
doubles that record their arguments and answer as the real ones do. What is checked is the
script's own logic: the tags, BuildKit, the blocking scan, and the digest it records.
"""

import os
import shutil
import subprocess
import textwrap

import pytest

from harness.common.paths import ROOT
from harness.testing.shellcheck import shellcheck

DIGEST = "sha256:" + "fe" * 32
NAME = "myregistry.azurecr.io/users-api"
SCRIPT = "harness/image/ci_image.sh"

FAKE = textwrap.dedent(
    """\
    #!/usr/bin/env bash
    echo "$(basename "$0") $*" >>"$FAKE_LOG"
    echo "BUILDKIT=${DOCKER_BUILDKIT:-}" >>"$FAKE_LOG"
    case "$(basename "$0") $1 $2" in
      "docker image inspect")
        case "$*" in
          *RepoDigests*) printf '%s\\n' "${FAKE_REPO_DIGEST:-}" ;;
          *) echo "ci_image: size 123 bytes" ;;
        esac ;;
      trivy*)
        for arg; do [[ $arg == --output ]] && out=1 && continue; [[ ${out:-} == 1 ]] \\
          && echo '<testsuites/>' >"$arg" && out=2; done
        if [[ " $* " == *" --exit-code 1 "* && -n ${FAKE_FINDINGS:-} ]]; then
          echo "$FAKE_FINDINGS"; exit 1
        fi
        ;;
    esac
    exit 0
    """
)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    # The script asks the harness for the image's labels (python3 -m harness.image labels).
    shutil.copytree(
        ROOT / "harness", root / "harness", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("docker", "trivy"):
        (bin_dir / tool).write_text(FAKE)
        (bin_dir / tool).chmod(0o755)
    return root


def run(repo, *args, **env):
    log = repo.parent / "calls.log"
    environment = {
        **os.environ,
        "PATH": f"{repo.parent / 'bin'}:{os.environ['PATH']}",
        "FAKE_LOG": str(log),
        "IMAGE_NAME": NAME,
        "IMAGE_TAGS": "0123abc 42",
        "BUILD_SOURCEVERSION": "0123abc",
        **env,
    }
    result = subprocess.run(
        ["bash", str(repo / SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    return result, log.read_text() if log.exists() else ""


def test_build_tags_commit_sha_and_build_id_with_buildkit(repo):
    result, calls = run(
        repo, "build", BUILD_REPOSITORY_URI="https://org@dev.azure.com/org/users/_git/api"
    )
    assert result.returncode == 0, result.stderr
    build = next(line for line in calls.splitlines() if line.startswith("docker build"))
    assert f"--tag {NAME}:0123abc --tag {NAME}:42" in build
    assert "--file Dockerfile" in build
    assert "--build-arg REVISION=0123abc" in build
    assert "--build-arg SOURCE=https://dev.azure.com/org/users/_git/api" in build  # no user
    assert "BUILDKIT=1" in calls


def test_scan_blocks_on_high_and_critical(repo):
    result, calls = run(repo, "scan", "reports/trivy.xml", FAKE_FINDINGS="CVE-2099-1 CRITICAL")
    assert result.returncode == 1
    assert "CVE-2099-1 CRITICAL" in result.stdout
    assert "--severity HIGH,CRITICAL --ignorefile security/trivyignore.yaml" in calls
    assert (repo / "reports" / "trivy.xml").is_file()


def test_scan_passes_without_findings(repo):
    result, _ = run(repo, "scan", "reports/trivy.xml")
    assert result.returncode == 0, result.stderr


def test_push_records_the_pushed_digest(repo):
    result, calls = run(repo, "push", FAKE_REPO_DIGEST=f"{NAME}@{DIGEST}")
    assert result.returncode == 0, result.stderr
    assert f"docker push {NAME}:0123abc" in calls
    assert f"docker push {NAME}:42" in calls
    assert (repo / "reports" / "image-digest.txt").read_text() == f"{NAME}@{DIGEST}\n"


def test_push_without_a_digest_fails(repo):
    result, _ = run(repo, "push", FAKE_REPO_DIGEST="")
    assert result.returncode == 1
    assert not (repo / "reports" / "image-digest.txt").exists()


def test_shellcheck_finds_nothing():
    assert shellcheck(ROOT / SCRIPT) is None
