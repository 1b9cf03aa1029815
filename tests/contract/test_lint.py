"""Contract lint: the document is valid OpenAPI, and every operation is documented for consumers.

- openapi-spec-validator: the document is valid OpenAPI 3.0.
- Redocly CLI (pinned in contract/lint/package-lock.json), rules in contract/lint/redocly.yaml:
  every operation has an operationId, a summary and a description; every request and response
  body has an example.
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


def test_contract_passes_redocly_lint():
    ensure_redocly()
    result = subprocess.run(
        [
            str(REDOCLY),
            "lint",
            "--config",
            str(LINT_DIR / "redocly.yaml"),
            "--format",
            "stylish",
            str(CONTRACT),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, (
        "Redocly lint found problems in contract/openapi.yaml (rules: contract/lint/redocly.yaml). "
        "Fix the API's documentation in the code (operation summary, description, examples), then "
        f"regenerate the contract with `python3 toxw -e contract-regenerate`.\n{output}"
    )
