"""Contract lint: the document is valid OpenAPI, and every operation is documented for consumers.

- openapi-spec-validator: the document is valid OpenAPI 3.0.
- Redocly CLI (pinned in contract/lint/package-lock.json), rules in contract/lint/redocly.yaml:
  every operation has an operationId, a summary and a description; every request and response
  body has an example.
- Spectral (pinned beside it), the stock ruleset ``spectral:oas`` that API consumers most often
  run (contract/lint/.spectral.yaml says which rule is off, and why): no warning.
"""

import subprocess

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from harness.contract import npm
from harness.contract.settings import CONTRACT, ROOT

LINT_DIR = ROOT / "contract" / "lint"
REDOCLY = LINT_DIR / "node_modules" / ".bin" / "redocly"
SPECTRAL = LINT_DIR / "node_modules" / ".bin" / "spectral"


def ensure_redocly() -> None:
    """Install the pinned linter with ``npm ci`` unless the installed one matches the lock file."""
    try:
        npm.ensure(LINT_DIR)
    except npm.NpmMissing as exc:
        pytest.fail(str(exc))


def test_contract_is_valid_openapi():
    document = yaml.safe_load(CONTRACT.read_text())
    try:
        validate(document)
    except OpenAPIValidationError as exc:
        pytest.fail(f"contract/openapi.yaml is not valid OpenAPI: {exc}")


def lint(command: list[str]) -> subprocess.CompletedProcess:
    """One of the pinned linters (one npm install holds both) on a contract, its output shown."""
    ensure_redocly()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    print(result.stdout + result.stderr)
    return result


def redocly(contract) -> subprocess.CompletedProcess:
    config = str(LINT_DIR / "redocly.yaml")
    return lint([str(REDOCLY), "lint", "--config", config, "--format", "stylish", str(contract)])


def spectral(contract) -> subprocess.CompletedProcess:
    ruleset = str(LINT_DIR / ".spectral.yaml")
    return lint(
        [str(SPECTRAL), "lint", "--ruleset", ruleset, "--fail-severity", "warn", str(contract)]
    )


# Each linter, and where to fix what it finds: in the code, then the contract regenerated.
LINTERS = {
    "Redocly": (
        redocly,
        "Redocly lint found problems in contract/openapi.yaml (rules: "
        "contract/lint/redocly.yaml). Fix the API's documentation in the code (operation "
        "summary, description, examples)",
    ),
    "Spectral": (
        spectral,
        "Spectral's stock OpenAPI ruleset (spectral:oas) warns about contract/openapi.yaml. Fix "
        "it in the code (webapp/settings.py SPECTACULAR_SETTINGS, the views' extend_schema)",
    ),
}


@pytest.mark.parametrize("linter", list(LINTERS))
def test_contract_passes_each_linter(linter):
    run, words = LINTERS[linter]
    result = run(CONTRACT)
    assert result.returncode == 0, (
        f"{words}, then regenerate the contract with `python3 toxw -e contract-regenerate`."
        f"\n{result.stdout + result.stderr}"
    )


def test_spectral_fails_a_contract_without_contact_or_declared_tags(tmp_path):
    document = yaml.safe_load(CONTRACT.read_text())
    del document["info"]["contact"], document["tags"]
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(document, sort_keys=False))
    result = spectral(broken)
    assert result.returncode != 0
    assert "info-contact" in result.stdout
    assert "operation-tag-defined" in result.stdout
