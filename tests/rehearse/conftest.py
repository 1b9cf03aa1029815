"""Small pipelines in throwaway git repositories, rehearsed; and stand-ins that answer as told."""

from __future__ import annotations

import contextlib
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from harness.common.paths import ROOT
from harness.rehearse import macros
from harness.rehearse.expand import Run, compile_pipeline, head
from harness.rehearse.runner import Options, Rehearsal

TRIGGERS = """
trigger:
  branches:
    include: [main]
pr:
  branches:
    include: [main]
variables:
  - group: users-api-build
  - name: isMain
    value: >-
      ${{ and(eq(variables['Build.SourceBranch'], 'refs/heads/main'),
      ne(variables['Build.Reason'], 'PullRequest')) }}
  - name: IMAGE_NAME
    value: $(ACR_LOGIN_SERVER)/users-api
  - name: GATE_RUN_ID
    value: $(Build.BuildId)
"""
JUNIT = '<testsuite name="x" tests="1"><testcase name="a"/></testsuite>'


class Repo:
    """A git repository holding a small azure-pipelines.yml, the real templates, tox.ini and
    toxw (its tox from the checkout's .venv-tox)."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True)
        for name in ("toxw", "tox.ini"):
            shutil.copy2(ROOT / name, root / name)
        for folder in ("pipelines", "requirements"):
            shutil.copytree(ROOT / folder, root / folder)
        subprocess.run(["git", "init", "--quiet", "-b", "main"], cwd=root, check=True)

    def commit(self, pipeline: str) -> Repo:
        (self.root / "azure-pipelines.yml").write_text(TRIGGERS + pipeline)
        git = ["git", "-c", "user.name=r", "-c", "user.email=r@example.invalid"]
        subprocess.run([*git, "add", "-A"], cwd=self.root, check=True)
        subprocess.run([*git, "commit", "--quiet", "-m", "pipeline"], cwd=self.root, check=True)
        if (ROOT / ".venv-tox").is_dir() and not (self.root / ".venv-tox").exists():
            (self.root / ".venv-tox").symlink_to(ROOT / ".venv-tox")
        return self

    def rehearse(self, trigger: str = "main", **options):
        run = Run(trigger, self.root, self.root.parent / f"w-{trigger}", "77", head(self.root))
        options.setdefault("tox_work_dir", ROOT / ".tox")
        rehearsal = Rehearsal(run, compile_pipeline(run), macros.read_groups(), Options(**options))
        return rehearsal.rehearse(), {f"{r.stage} {r.number}": r for r in rehearsal.results}


@pytest.fixture
def repo(tmp_path):
    return Repo(tmp_path / "repo")


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def answering(status: int):
    """A stand-in for dev whose every answer has STATUS."""
    handler = type("Handler", (_Answer,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def stand_in(status: int):
    return lambda run, image: answering(status)
