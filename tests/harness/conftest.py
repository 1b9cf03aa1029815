"""Fixtures of the harness's own tests."""

from pathlib import Path

import pytest


@pytest.fixture
def junit():
    """A writer of small JUnit files: junit(path, {case name: outcome})."""
    return write_junit


def write_junit(path: Path, cases: dict[str, str]) -> None:
    """cases: name -> passed | failed | error | skipped."""
    body = []
    for name, outcome in cases.items():
        inner = {
            "passed": "",
            "failed": '<failure message="boom">trace</failure>',
            "error": '<error message="crash"/>',
            "skipped": '<skipped message="why"/>',
        }[outcome]
        body.append(f'<testcase classname="tests.x" name="{name}" time="0.1">{inner}</testcase>')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<?xml version="1.0"?><testsuites><testsuite name="s" tests="'
        f'{len(cases)}">{"".join(body)}</testsuite></testsuites>'
    )
