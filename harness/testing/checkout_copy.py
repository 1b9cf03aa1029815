"""A throwaway copy of the parts of the checkout that the structure checks read."""

import shutil
from pathlib import Path

from harness.common.paths import ROOT


class CheckoutCopy:
    """A copy of the pipeline, its templates, tox.ini, .ci/run, harness/, tests/ and infra/ that a
    test may break, to show that a check fails on it."""

    def __init__(self, root: Path):
        self.root = root
        for name in ("azure-pipelines.yml", "tox.ini", ".ci/run"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, root / name)
        for folder in ("pipelines", "harness", "security", "tests", "infra"):
            if (ROOT / folder).is_dir():
                shutil.copytree(
                    ROOT / folder,
                    root / folder,
                    ignore=shutil.ignore_patterns("__pycache__", ".terraform*"),
                )

    def replace(self, path: str, old: str, new: str, count: int = 1) -> None:
        file = self.root / path
        text = file.read_text()
        found = text.count(old)
        assert found == count, f"{path}: expected {count} occurrence(s) of {old!r}, found {found}"
        file.write_text(text.replace(old, new))

    def append(self, path: str, text: str) -> None:
        file = self.root / path
        file.write_text(file.read_text() + text)
