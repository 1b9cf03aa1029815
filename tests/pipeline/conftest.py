import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class PipelineCopy:
    """A copy of the pipeline, its templates, tox.ini and scripts/ that a test may break."""

    def __init__(self, root: Path):
        self.root = root
        for name in ("azure-pipelines.yml", "tox.ini"):
            shutil.copy2(ROOT / name, root / name)
        for folder in ("pipelines", "scripts", "security"):
            if (ROOT / folder).is_dir():
                shutil.copytree(ROOT / folder, root / folder)

    def replace(self, path: str, old: str, new: str, count: int = 1) -> None:
        file = self.root / path
        text = file.read_text()
        found = text.count(old)
        assert found == count, f"{path}: expected {count} occurrence(s) of {old!r}, found {found}"
        file.write_text(text.replace(old, new))

    def append(self, path: str, text: str) -> None:
        file = self.root / path
        file.write_text(file.read_text() + text)


@pytest.fixture
def copy(tmp_path) -> PipelineCopy:
    return PipelineCopy(tmp_path)
