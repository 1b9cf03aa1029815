"""schemathesis.toml: Schemathesis reads it; the gate runs with it (harness/contract/settings.py).

A plain ``st run contract/openapi.yaml --url ...`` from the repository finds the file and so
applies the gate's checks; the last test runs exactly that against a local server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import schemathesis
from schemathesis.config import SchemathesisConfig

from harness.contract import settings
from harness.testing.live_server import LiveServer

# What the gate sets itself: the environment's knobs, and where its reports go.
KNOBS = {"seed", "reports"}


def test_schemathesis_reads_the_file_and_finds_it_from_the_repository(monkeypatch):
    SchemathesisConfig.from_path(settings.CONFIG_FILE)  # validated against Schemathesis's schema
    monkeypatch.chdir(settings.ROOT / "contract")
    assert SchemathesisConfig.discover().config_path == str(settings.CONFIG_FILE)


def test_the_gate_runs_with_the_file_and_changes_only_its_knobs():
    data = settings.config_data("live")
    file = settings.FILE
    assert {key: value for key, value in data.items() if key not in KNOBS} == {
        key: {**value, **_knobs_of(key, data)} if isinstance(value, dict) else value
        for key, value in file.items()
        if key not in KNOBS
    }
    assert data["seed"] == settings.SEED
    assert data["generation"]["max-examples"] == settings.MAX_EXAMPLES
    assert data["checks"]["max_response_time"] == settings.MAX_RESPONSE_SECONDS
    assert data["hooks"] == "harness.contract.extensions"


def _knobs_of(key: str, data: dict) -> dict:
    if key == "generation":
        return {"max-examples": data["generation"]["max-examples"]}
    if key == "checks":
        return {"max_response_time": data["checks"]["max_response_time"]}
    return {}


def test_without_knobs_the_gate_runs_with_the_file_as_it_is():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    code = (
        "from harness.contract import settings; "
        "data = settings.config_data('x'); data.pop('reports'); "
        "assert data == settings.FILE, (data, settings.FILE); print('same')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "same", result.stderr


def test_a_taken_dni_is_the_one_400_a_valid_create_may_get():
    schema = schemathesis.openapi.from_path(settings.CONTRACT, config=settings.config("live"))
    create = schema["/api/users/"]["POST"]
    checks = schema.config.checks_config_for(operation=create)
    assert checks.positive_data_acceptance.expected_statuses == ["201", "400"]
    listing = schema["/api/users/"]["GET"]
    other = schema.config.checks_config_for(operation=listing).positive_data_acceptance
    assert other.expected_statuses != ["201", "400"]


def test_a_plain_st_run_from_the_repository_passes_with_the_gates_checks():
    st = Path(sys.executable).with_name("st")
    with LiveServer(workers=1) as server:
        result = subprocess.run(
            [
                str(st),
                "run",
                "contract/openapi.yaml",
                "--url",
                server.url,
                "--phases",
                "examples,stateful",
                "--max-examples",
                "5",
            ],
            cwd=settings.ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert f"Configuration:    {settings.CONFIG_FILE}" in output, output[-4000:]


def test_the_file_loads_the_gates_check_and_hook():
    """In a fresh interpreter, as for ``st run``: reading the file registers them."""
    code = (
        "import sys; from schemathesis.config import SchemathesisConfig; "
        "from schemathesis.checks import CHECKS; "
        "SchemathesisConfig.from_path('schemathesis.toml'); "
        "print('harness.contract.hooks' in sys.modules, "
        "'only_a_taken_dni_refuses_a_valid_create' in [c.__name__ for c in CHECKS.get_all()])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True"], result.stderr
