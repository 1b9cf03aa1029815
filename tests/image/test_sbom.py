"""The SBOM of the image lists what is really installed in it: each Python distribution of its
virtualenv and each Debian package, compared with what the image itself says by other means
(the dist-info folders, as pip is not in the image; `dpkg -l`)."""

from __future__ import annotations

import re

from harness.evidence import sbom
from harness.image import runner


def _in_image(ref: str, *command: str) -> str:
    return runner.podman(
        "run", "--rm", "--network", "none", "--entrypoint", command[0], ref, *command[1:]
    )


def test_the_sbom_lists_every_package_installed_in_the_image(image):
    document = sbom.bom("users-api", "sha256:" + "0" * 64, sbom.inventory(image["id"]))
    listed = sbom.packages(document)

    folders = _in_image(image["id"], "sh", "-c", "ls -1 /opt/venv/lib/python3*/site-packages")
    python = set()
    for folder in folders.split():
        found = re.fullmatch(r"(.+)-([^-]+)\.dist-info", folder)
        if found:
            name = re.sub(r"[-_.]+", "-", found.group(1)).lower()
            python.add(f"{name}=={found.group(2)}")
    assert python, "no dist-info folder in the image's virtualenv"
    normalized = {
        re.sub(r"[-_.]+", "-", p.split("==")[0]) + "==" + p.split("==")[1] for p in listed["pypi"]
    }
    assert normalized == python
    assert any(p.startswith("django==") for p in python)

    dpkg = _in_image(image["id"], "dpkg", "-l")
    debian = {
        f"{fields[1].split(':')[0]}=={fields[2]}"
        for fields in (line.split() for line in dpkg.splitlines())
        if len(fields) > 2 and fields[0] == "ii"
    }
    assert len(debian) > 50
    assert listed["deb"] == debian
