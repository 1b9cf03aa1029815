"""How the property-based contract tests run: schemathesis.toml, with the knobs of the environment.

The Schemathesis settings live in schemathesis.toml at the repository root, which a plain
``st run`` from the repository reads too. The gate changes only these, from the environment
(defaults from the file):

- CONTRACT_MAX_EXAMPLES (generation.max-examples): examples per operation in the fuzzing phase.
- CONTRACT_SEED (seed): seed of every run, so a failure reproduces with the same value.
- CONTRACT_MAX_RESPONSE_SECONDS (checks.max_response_time): slowest answer accepted.
- CONTRACT_STATEFUL_EXAMPLES (CONTRACT_MAX_EXAMPLES): stateful scenarios per mode.
- BASE_URL (unset): live mode against that deployment; unset starts a local server.

and it writes its reports to reports/.
"""

from __future__ import annotations

import copy
import tomllib
from collections import Counter

import schemathesis

from harness.common.env import env_int
from harness.common.paths import ROOT
from harness.contract import extensions  # noqa: F401 - registers the custom check and hook

CONTRACT = ROOT / "contract" / "openapi.yaml"
REPORTS = ROOT / "reports"
CONFIG_FILE = ROOT / "schemathesis.toml"
FILE = tomllib.loads(CONFIG_FILE.read_text())

MAX_EXAMPLES = env_int("CONTRACT_MAX_EXAMPLES", FILE["generation"]["max-examples"], minimum=1)
SEED = env_int("CONTRACT_SEED", FILE["seed"], minimum=0)
STATEFUL_EXAMPLES = env_int("CONTRACT_STATEFUL_EXAMPLES", MAX_EXAMPLES, minimum=1)
MAX_RESPONSE_SECONDS = env_int(
    "CONTRACT_MAX_RESPONSE_SECONDS", FILE["checks"]["max_response_time"], minimum=1
)


# Lines every run prints at its end, whatever the outcome (e.g. what the breaking check compared).
SUMMARY: list[str] = []

# Requests sent per mode ("inprocess", "live"), for the summary and bench/contract_speed.py.
CALLS: Counter[str] = Counter()


def config_data(mode: str) -> dict:
    """schemathesis.toml, with the environment's knobs and this mode's reports."""
    data = copy.deepcopy(FILE)
    data["seed"] = SEED
    data["generation"]["max-examples"] = MAX_EXAMPLES
    data["checks"]["max_response_time"] = MAX_RESPONSE_SECONDS
    data["reports"] = {
        "directory": str(REPORTS),
        # Every exchange of the run, replayable: HAR opens in a browser's network tab.
        "har": {"path": str(REPORTS / f"contract-{mode}.har.json")},
    }
    return data


def config(mode: str) -> schemathesis.Config:
    """The Schemathesis configuration of one mode ("inprocess", "live")."""
    REPORTS.mkdir(exist_ok=True)
    return schemathesis.Config.from_dict(config_data(mode), base_dir=str(ROOT))


def load(mode: str):
    """The committed contract, for one mode (its name goes into the report file names)."""
    return schemathesis.openapi.from_path(CONTRACT, config=config(mode))
