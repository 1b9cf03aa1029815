"""The committed infra/ tree, read once, shared by the iac tests. Broken copies come from the
`copy` fixture of the shared plugin (harness/testing/plugin.py), which copies infra/ too."""

import pytest

from harness.iac.tree import Infra


@pytest.fixture(scope="session")
def tree():
    return Infra()
