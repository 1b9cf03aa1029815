"""A CycloneDX SBOM of everything installed in the image: the Python distributions of its
virtualenv and the Debian packages of its base, listed by running the image itself, and written
with cyclonedx-python-lib (validated against the CycloneDX 1.6 JSON schema).

cyclonedx-bom's `cyclonedx-py environment` reads a Python environment by running its
interpreter on this machine; the image's interpreter runs only inside the image, and the Debian
packages are not its business. So the image is asked (importlib.metadata, dpkg-query) and the
BOM is built with the library cyclonedx-bom itself uses.
"""

from __future__ import annotations

import json

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from harness.image import runner

VENV_PYTHON = "/opt/venv/bin/python"  # the Dockerfile's virtualenv
LIST_PYTHON = (
    "import importlib.metadata as m, json; "
    "print(json.dumps(sorted({(d.metadata['Name'], d.version) for d in m.distributions()})))"
)
DPKG_FORMAT = "${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n"


class SbomError(RuntimeError):
    pass


def _in_image(ref: str, entrypoint: str, *args: str) -> str:
    result = runner.quietly(
        "run", "--rm", "--network", "none", "--entrypoint", entrypoint, ref, *args, timeout=120
    )
    if result.returncode != 0:
        raise SbomError(
            f"`{entrypoint}` in {ref} failed ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()[:300]}"
        )
    return result.stdout


def inventory(ref: str) -> dict[str, list[tuple[str, ...]]]:
    """{"python": [(name, version)], "debian": [(name, version, arch)]} installed in REF."""
    python = [tuple(item) for item in json.loads(_in_image(ref, VENV_PYTHON, "-c", LIST_PYTHON))]
    debian = []
    for line in _in_image(ref, "dpkg-query", "-W", "-f", DPKG_FORMAT).splitlines():
        name, version, arch, status = line.split("\t")
        if status.strip() == "ii":  # installed, not only known
            debian.append((name, version, arch))
    return {"python": python, "debian": sorted(debian)}


def bom(image: str, digest: str, found: dict[str, list[tuple[str, ...]]]) -> dict:
    document = Bom()
    document.metadata.component = Component(
        name=image, version=digest, type=ComponentType.CONTAINER, bom_ref=f"{image}@{digest}"
    )
    for name, version in found["python"]:
        purl = PackageURL("pypi", name=name.lower(), version=version)
        document.components.add(
            Component(name=name, version=version, purl=purl, bom_ref=purl.to_string())
        )
    for name, version, arch in found["debian"]:
        purl = PackageURL(
            "deb", "debian", name, version, qualifiers={"arch": arch} if arch else None
        )
        document.components.add(
            Component(name=name, version=version, purl=purl, bom_ref=purl.to_string())
        )
    # the image depends on everything installed in it (the graph is one level deep)
    document.register_dependency(document.metadata.component, list(document.components))
    text = JsonV1Dot6(document).output_as_string(indent=2)
    problem = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if problem is not None:
        raise SbomError(f"the SBOM is not valid CycloneDX 1.6: {problem}")
    return json.loads(text)


def packages(document: dict) -> dict[str, set[str]]:
    """{"pypi": {"name==version"}, "deb": {...}} of a CycloneDX document, to compare with."""
    found: dict[str, set[str]] = {"pypi": set(), "deb": set()}
    for component in document.get("components", []):
        kind = str(component.get("purl", "")).split(":", 1)[-1].split("/", 1)[0]
        if kind in found:
            found[kind].add(f"{component['name'].lower()}=={component['version']}")
    return found
