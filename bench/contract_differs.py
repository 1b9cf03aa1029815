#!/usr/bin/env python3
"""Evaluation (not a test): two maintained OpenAPI differs on the cases of the breaking-change diff.

    python3 bench/contract_differs.py    # the case-by-case table (docs/decisions/openapi-differ.md)

Each case is one edit of tests/contract/fixtures/openapi-base.yaml, as in
tests/contract/test_breaking.py (rewritten here: nothing outside tests/ imports from it). Both
versions are written to files, then each tool compares them:

- api-smart-diff (npm, pinned in bench/differs/package-lock.json): ``apiCompare(before, after)``;
  a case's classification is the most severe type among its diffs.
- Specmatic (npm ``specmatic``, its bundled jar on Java 17): ``specmatic compare OLD NEW``, which
  answers "backward compatible" (exit 0) or "not backward compatible" (exit 1), offline.

The in-house diff (harness/contract/breaking.py) is run on the same files for the last column.
``npm ci`` installs the pinned tools into bench/differs/node_modules on first use.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.contract import breaking  # noqa: E402
from webapp.users.text import TEXT_PATTERN  # noqa: E402

TOOLS = ROOT / "bench" / "differs"
BASE = yaml.safe_load((ROOT / "tests" / "contract" / "fixtures" / "openapi-base.yaml").read_text())
FUTURE, PAST = "2099-12-31", "2000-01-31"


def schemas(d):
    return d["components"]["schemas"]


def _remove_name(d):
    schemas(d)["User"]["properties"].pop("name")
    schemas(d)["User"]["required"].remove("name")


def _tighten(d):
    schemas(d)["UserInputRequest"]["properties"]["dni"].update(
        maxLength=10, minLength=2, pattern="^[0-9]+$"
    )


def _spelled_out(d):
    for field in ("dni", "name"):
        schemas(d)["UserInputRequest"]["properties"][field]["pattern"] = TEXT_PATTERN


def _narrower_whitespace(d):
    schemas(d)["UserInputRequest"]["properties"]["dni"]["pattern"] = TEXT_PATTERN.replace(
        r"\ufeff", ""
    )


def _new_required(d):
    schemas(d)["UserInputRequest"]["properties"]["email"] = {"type": "string"}
    schemas(d)["UserInputRequest"]["required"].append("email")
    d["paths"]["/api/users/"]["get"]["parameters"] = [
        {"in": "query", "name": "page", "required": True, "schema": {"type": "integer"}}
    ]


def _new_optional(d):
    schemas(d)["UserInputRequest"]["properties"]["email"] = {"type": "string"}
    schemas(d)["User"]["properties"]["email"] = {"type": "string"}


def _status_changed(d):
    responses = d["paths"]["/api/users/"]["post"]["responses"]
    responses["200"] = responses.pop("201")


def _deprecate_name(d):
    schemas(d)["User"]["properties"]["name"].update({"deprecated": True, "x-sunset": FUTURE})


def _sunset_name(sunset):
    def edit(d):
        schemas(d)["User"]["properties"]["name"].update({"deprecated": True, "x-sunset": sunset})

    return edit


# (case, what the in-house diff must say, edit of the base; `before` edits the base first)
CASES = [
    ("identical documents", "no change", lambda d: None, None),
    ("removed path", "breaking", lambda d: d["paths"].pop("/healthz/"), None),
    ("removed operation", "breaking", lambda d: d["paths"]["/api/users/"].pop("post"), None),
    ("removed response field", "breaking", _remove_name, None),
    (
        "response field no longer required",
        "breaking",
        lambda d: schemas(d)["User"]["required"].remove("dni"),
        None,
    ),
    (
        "response field type changed",
        "breaking",
        lambda d: schemas(d)["User"]["properties"]["id"].update(type="string"),
        None,
    ),
    ("tightened input constraints (maxLength, minLength, pattern)", "breaking", _tighten, None),
    (
        "tightened maxLength alone (13 to 10)",
        "breaking",
        lambda d: schemas(d)["UserInputRequest"]["properties"]["dni"].update(maxLength=10),
        None,
    ),
    ("whitespace spelled out: the same pattern", "no break", _spelled_out, None),
    ("a pattern with other whitespace", "breaking", _narrower_whitespace, None),
    (
        "relaxed input constraint (maxLength 13 to 20)",
        "no break",
        lambda d: schemas(d)["UserInputRequest"]["properties"]["dni"].update(maxLength=20),
        None,
    ),
    (
        "narrowed input type",
        "breaking",
        lambda d: schemas(d)["UserInputRequest"]["properties"]["name"].update(type="integer"),
        None,
    ),
    (
        "tightened parameter (maximum)",
        "breaking",
        lambda d: d["paths"]["/api/users/{id}/"]["get"]["parameters"][0]["schema"].update(
            maximum=1000
        ),
        None,
    ),
    ("new required request field and parameter", "breaking", _new_required, None),
    ("new optional request and response field", "no break", _new_optional, None),
    ("success status 201 changed to 200", "breaking", _status_changed, None),
    (
        "removed error status (415)",
        "no break",
        lambda d: d["paths"]["/api/users/"]["post"]["responses"].pop("415"),
        None,
    ),
    ("response field deprecated, sunset in the future", "deprecation", _deprecate_name, None),
    ("deprecated field removed after its sunset", "allowed", _remove_name, _sunset_name(PAST)),
    ("deprecated field removed before its sunset", "breaking", _remove_name, _sunset_name(FUTURE)),
]

SMART_DIFF = """
const {apiCompare} = require("api-smart-diff");
const fs = require("fs");
const [before, after] = process.argv.slice(1).map(f => JSON.parse(fs.readFileSync(f)));
const {diffs} = apiCompare(before, after);
console.log(JSON.stringify(diffs.map(d => ({type: d.type, description: d.description || "",
  path: d.path.join("/")}))));
"""
SEVERITY = ["breaking", "deprecated", "non-breaking", "unclassified", "annotation"]


def ensure_tools() -> None:
    wanted = hashlib.sha256((TOOLS / "package-lock.json").read_bytes()).hexdigest()
    stamp = TOOLS / "node_modules" / ".package-lock.sha256"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    subprocess.run(
        [shutil.which("npm") or "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=TOOLS,
        check=True,
    )
    stamp.write_text(wanted)


def smart_diff(old: Path, new: Path) -> str:
    out = subprocess.run(
        ["node", "-e", SMART_DIFF, str(old), str(new)],
        cwd=TOOLS,
        capture_output=True,
        text=True,
        check=True,
    )
    diffs = json.loads(out.stdout)
    if not diffs:
        return "no change"
    worst = min((d["type"] for d in diffs), key=SEVERITY.index)
    return f"{worst} ({len(diffs)} diffs)"


def specmatic(old: Path, new: Path) -> str:
    jar = TOOLS / "node_modules" / "specmatic" / "specmatic.jar"
    out = subprocess.run(
        ["java", "-jar", str(jar), "compare", str(old), str(new)],
        cwd=old.parent,  # it writes build/reports/ where it runs
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    text = out.stdout + out.stderr
    if "not backward compatible" in text:
        return "breaking"
    if out.returncode == 0:
        return "compatible"
    return f"error (exit {out.returncode}): {text.strip().splitlines()[-1:]}"


def in_house(old: dict, new: dict) -> str:
    found = breaking.changes(old, new)
    if not found:
        return "no change"
    severities = {c.severity for c in found}
    for severity in ("breaking", "deprecation", "non-breaking", "annotation"):
        if severity in severities:
            rules = sorted({c.rule for c in found if c.severity == severity})
            return f"{severity} ({', '.join(rules)})"
    return "?"


def main() -> int:
    ensure_tools()
    rows = ["| case | expected | api-smart-diff | Specmatic | in-house |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for index, (name, expected, edit, before) in enumerate(CASES):
            old = copy.deepcopy(BASE)
            if before:
                before(old)
            new = copy.deepcopy(old)
            edit(new)
            paths = {}
            for side, doc in (("old", old), ("new", new)):
                paths[side, "json"] = Path(tmp) / f"{index}-{side}.json"
                paths[side, "json"].write_text(json.dumps(doc))
                paths[side, "yaml"] = Path(tmp) / f"{index}-{side}.yaml"
                paths[side, "yaml"].write_text(yaml.safe_dump(doc, sort_keys=False))
            row = [
                name,
                expected,
                smart_diff(paths["old", "json"], paths["new", "json"]),
                specmatic(paths["old", "yaml"], paths["new", "yaml"]),
                in_house(old, new),
            ]
            rows.append("| " + " | ".join(row) + " |")
            print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
