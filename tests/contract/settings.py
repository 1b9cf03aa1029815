"""How the property-based contract tests run: one place for their knobs, all from the environment.

- CONTRACT_MAX_EXAMPLES (100): examples generated per operation in the fuzzing phase.
- CONTRACT_SEED (20261126): seed of every run, so a failure reproduces with the same value.
- CONTRACT_MAX_RESPONSE_SECONDS (10): slowest answer the max_response_time check accepts.
- CONTRACT_STATEFUL_EXAMPLES (CONTRACT_MAX_EXAMPLES): stateful scenarios per mode.
- BASE_URL (unset): live mode against that deployment; unset starts a local gunicorn.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import schemathesis

from tests.contract import checks, hooks  # noqa: F401 - registers the custom check and hook

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "contract" / "openapi.yaml"
REPORTS = ROOT / "reports"


def _int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < minimum:
        raise ValueError(f"{name}={value} must be at least {minimum}")
    return value


MAX_EXAMPLES = _int("CONTRACT_MAX_EXAMPLES", 100)
SEED = _int("CONTRACT_SEED", 20261126, minimum=0)
STATEFUL_EXAMPLES = _int("CONTRACT_STATEFUL_EXAMPLES", MAX_EXAMPLES)
# Generous on purpose: it flags a request that hangs, not a slow shared CI machine.
MAX_RESPONSE_SECONDS = _int("CONTRACT_MAX_RESPONSE_SECONDS", 10)


# Lines every run prints at its end, whatever the outcome (e.g. what the breaking check compared).
SUMMARY: list[str] = []

# Requests sent per mode ("inprocess", "live"), for the summary and bench/contract_speed.py.
CALLS: Counter[str] = Counter()


def config(mode: str) -> schemathesis.Config:
    """Schemathesis configuration shared by both modes: every check, every phase, a fixed seed."""
    REPORTS.mkdir(exist_ok=True)
    data: dict = {
        "seed": SEED,
        "generation": {
            "mode": "all",  # positive and negative data
            "max-examples": MAX_EXAMPLES,
            "database": "none",  # no example database: a run depends only on the seed and code
        },
        "checks": {
            "enabled": True,
            # The one check that needs a value before it can run.
            "max_response_time": MAX_RESPONSE_SECONDS,
        },
        "operations": [
            {
                # A taken dni is refused with the documented 400 although the body is schema-valid
                # (uniqueness is not expressible in a schema). checks.py makes sure that this is
                # the only 400 a valid create can get.
                "include-operation-id": "createUser",
                "checks": {"positive_data_acceptance": {"expected-statuses": [201, 400]}},
            }
        ],
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True},
        },
        "reports": {
            "directory": str(REPORTS),
            # Every exchange of the run, replayable: HAR opens in a browser's network tab.
            "har": {"path": str(REPORTS / f"contract-{mode}.har.json")},
        },
    }
    return schemathesis.Config.from_dict(data)


def load(mode: str):
    """The committed contract, for one mode (its name goes into the report file names)."""
    return schemathesis.openapi.from_path(CONTRACT, config=config(mode))
