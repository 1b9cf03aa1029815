"""A JUnit XML file of named checks, for a gate whose verdict is not a pytest run."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path


def write(path: Path, suite_name: str, cases: list[tuple[str, str | None]], seconds: float = 0):
    """CASES: (name, failure message or None). One <testsuite> named SUITE_NAME."""
    suite = ET.Element(
        "testsuite",
        name=suite_name,
        tests=str(len(cases)),
        failures=str(sum(1 for _, failure in cases if failure)),
        errors="0",
        skipped="0",
        time=f"{seconds:.3f}",
    )
    for name, failure in cases:
        case = ET.SubElement(suite, "testcase", classname=suite_name, name=name)
        if failure:
            ET.SubElement(case, "failure", message=failure[:1000]).text = failure
    root = ET.Element("testsuites")
    root.append(suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
