"""Renders of the committed k8s/ tree, shared by the manifests tests."""

import pytest

from harness.manifests.render import K8S, PIPELINE_IMAGE, render_all
from harness.manifests.validate import DOCKERFILE


@pytest.fixture(scope="session")
def variants():
    """Every overlay and component combination, as committed (image placeholder included)."""
    return render_all(K8S)


@pytest.fixture(scope="session")
def deployed():
    """The same, with the image the pipeline sets (one digest), as it reaches a cluster."""
    return render_all(K8S, image=PIPELINE_IMAGE)


def pytest_terminal_summary(terminalreporter):
    if not DOCKERFILE.exists():
        terminalreporter.write_line(
            "manifests: checkov's dockerfile framework did not scan the Dockerfile: there is no "
            "Dockerfile at the repository root yet (it comes with the container image). The "
            "scan runs as soon as one exists; the framework itself is exercised on a sample."
        )
