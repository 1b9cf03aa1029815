"""The real pipeline: stage order, environments, gates, JUnit publishing, digest, secrets."""

import pytest

from harness.common.paths import ROOT
from harness.pipeline import checks
from harness.pipeline.model import load, tox_envs_called


def holds(problems: list[str]) -> None:
    """Fail with every problem, one a line, in words a person can act on."""
    assert not problems, "\n".join(["the pipeline breaks its rules:", *problems])


@pytest.fixture(scope="module")
def pipeline():
    return load(ROOT)


@pytest.mark.parametrize("name", sorted(checks.ALL_CHECKS))
def test_the_pipeline_holds(pipeline, name):
    """Stage order, deployments, the registry's gates in their stages one step each, JUnit and
    coverage published, the digest built is the one deployed, secrets, rollback, gate report."""
    holds(checks.ALL_CHECKS[name](pipeline))


def test_every_template_is_used(pipeline):
    used = {f.resolve() for f in pipeline.files}
    templates = {f.resolve() for f in (ROOT / "pipelines").rglob("*.yml")}
    assert templates - used == set()


@pytest.mark.parametrize(
    ("command", "envs"),
    [
        ("python3 toxw -e lint,unit", ["lint", "unit"]),
        ("tox -e smoke -- -x", ["smoke"]),
        ('DATABASE_URL="$X" python3 toxw -e unit -- -o a=b', ["unit"]),
        ("python3 toxw -e image --notest # only sets the env up", []),
        ("python3 -m harness.deploy apply", []),
    ],
)
def test_tox_calls_are_recognised(command, envs):
    assert tox_envs_called(command) == envs
