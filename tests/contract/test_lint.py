"""Contract lint: the document is valid OpenAPI, and every operation is documented for consumers.

- openapi-spec-validator: the document is valid OpenAPI 3.0.
- Redocly CLI (pinned in contract/lint/package-lock.json), rules in contract/lint/redocly.yaml:
  every operation has an operationId, a summary and a description; every request and response
  body has an example.
"""

import hashlib
import shutil
import subprocess

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.contract.settings import CONTRACT, ROOT

LINT_DIR = ROOT / "contract" / "lint"
REDOCLY = LINT_DIR / "node_modules" / ".bin" / "redocly"
STAMP = LINT_DIR / "node_modules" / ".package-lock.sha256"


def ensure_redocly() -> None:
    """Install the pinned linter with ``npm ci`` unless the installed one matches the lock file."""
    wanted = hashlib.sha256((LINT_DIR / "package-lock.json").read_bytes()).hexdigest()
    if REDOCLY.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install the contract linter (Redocly CLI); install Node.js")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=LINT_DIR,
        check=True,
        timeout=300,
    )
    STAMP.write_text(wanted)


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
        f"regenerate the contract with `tox -e contract-regenerate`.\n{output}"
    )
