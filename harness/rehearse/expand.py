"""The pipeline as Azure DevOps compiles it for one trigger: the predefined variables of that
run, the templates and parameters expanded (harness/pipeline/model.py), and every `${{ }}`
expression evaluated with those variables."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.pipeline.model import Pipeline, load
from harness.rehearse import conditions

TRIGGERS = ("main", "pr")
PR_NUMBER = "1"  # the pull request a `pr` rehearsal pretends to validate


@dataclass
class Run:
    """One rehearsed run: its trigger, its checkout, and its agent's folders."""

    trigger: str
    checkout: Path  # System.DefaultWorkingDirectory: the clean clone
    workspace: Path  # Pipeline.Workspace
    build_id: str
    commit: str

    def predefined(self) -> dict[str, str]:
        """The predefined variables the pipeline's steps and conditions use."""
        pr = self.trigger == "pr"
        return {
            "Build.BuildId": self.build_id,
            "Build.BuildNumber": self.build_id,
            "Build.SourceVersion": self.commit,
            "Build.SourceBranch": f"refs/pull/{PR_NUMBER}/merge" if pr else "refs/heads/main",
            "Build.SourceBranchName": "merge" if pr else "main",
            "Build.Reason": "PullRequest" if pr else "IndividualCI",
            "Build.Repository.LocalPath": str(self.checkout),
            "Build.SourcesDirectory": str(self.checkout),
            "Build.ArtifactStagingDirectory": str(self.workspace / "a"),
            "Build.BinariesDirectory": str(self.workspace / "b"),
            "System.DefaultWorkingDirectory": str(self.checkout),
            "System.PullRequest.TargetBranch": "refs/heads/main" if pr else "",
            "System.PullRequest.PullRequestNumber": PR_NUMBER if pr else "",
            "Pipeline.Workspace": str(self.workspace),
            "Agent.TempDirectory": str(self.workspace / "_temp"),
            "Agent.BuildDirectory": str(self.workspace),
            "Agent.OS": "Linux",
            "TF_BUILD": "True",
        }


def head(checkout: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout.strip()


def compile_pipeline(run: Run, main: str = "azure-pipelines.yml") -> Pipeline:
    """azure-pipelines.yml of the run's checkout, expanded, its `${{ }}` values evaluated."""
    context = conditions.Context(variables=run.predefined())

    def evaluate(expression: str):
        return conditions.as_text(conditions.evaluate(expression, context))

    return load(run.checkout, main, expressions=evaluate)


def triggered(pipeline: Pipeline, trigger: str) -> str | None:
    """Why the file does not run for TRIGGER (a push to main, or a pull request into main), or
    None when it does."""
    key = "pr" if trigger == "pr" else "trigger"
    section = pipeline.doc.get(key)
    if section in (None, "none"):
        return f"the pipeline has no `{key}:` section for {trigger}"
    branches = section.get("branches", {}) if isinstance(section, dict) else {"include": section}
    include = branches.get("include") or []
    if "main" not in include and "refs/heads/main" not in include:
        return f"`{key}:` does not include main (branches {include})"
    return None
