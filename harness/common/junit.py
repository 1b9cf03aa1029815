"""A JUnit XML file of named checks, for a gate whose verdict is not a pytest run."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple


class Case(NamedTuple):
    name: str
    failure: str | None = None  # the failure message; None: the check passed
    output: str | None = None  # what a passed check saw, as the case's system-out


def write(
    path: Path,
    suite_name: str,
    cases: list[tuple],
    seconds: float = 0,
    classname: str | None = None,
) -> None:
    """CASES: Case or (name, failure message or None[, output]). One <testsuite> named
    SUITE_NAME; each case's classname is CLASSNAME, or SUITE_NAME."""
    cases = [Case(*case) for case in cases]
    suite = ET.Element(
        "testsuite",
        name=suite_name,
        tests=str(len(cases)),
        failures=str(sum(1 for case in cases if case.failure)),
        errors="0",
        skipped="0",
        time=f"{seconds:.3f}",
    )
    for case in cases:
        element = ET.SubElement(
            suite, "testcase", classname=classname or suite_name, name=case.name
        )
        if case.failure:
            ET.SubElement(element, "failure", message=case.failure[:1000]).text = case.failure
        elif case.output:
            ET.SubElement(element, "system-out").text = case.output
    root = ET.Element("testsuites")
    root.append(suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
