"""scripts/image.py as a module, for the gates that build and run the image (image, capacity).

scripts/ is not a package (its files are commands), so it is loaded from its path, once.
"""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load():
    if "image_script" in sys.modules:
        return sys.modules["image_script"]
    spec = importlib.util.spec_from_file_location("image_script", ROOT / "scripts" / "image.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["image_script"] = module  # its dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


image_script = _load()
