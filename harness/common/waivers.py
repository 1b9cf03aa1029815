"""Waivers: accepted findings that must say why, who approved them, and expire.

Three files hold them, each of its own shape: security/pip-audit-ignore.yaml (the audit gate),
security/trivyignore.yaml (Trivy's ignore file) and contract/waivers.yaml (breaks of the contract
that the breaking-change check lets pass). Each entry must carry its file's required keys and an
expiry date in the future. One checker reads all three, so an entry cannot be valid in one and
expired in another by accident, and the gate report lists every active waiver from one place.

    python3 -m harness.common.waivers                 # every active waiver, and every problem
    python3 -m harness.common.waivers --json FILE     # the same as JSON (the gate report reads it)

What a waiver waives is its gate's business: harness/audit.py matches advisories, Trivy its
findings, harness/contract/breaking.py the contract's changes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.common.paths import ROOT


@dataclass(frozen=True)
class WaiverFile:
    name: str  # what it waives, in the report: "pip-audit", "Trivy", "contract"
    relpath: str
    sections: tuple[str, ...]  # the top-level lists of entries
    required: tuple[str, ...]
    expiry: str  # the key of the expiry date
    label: tuple[str, ...]  # the keys that name an entry in a message
    list_required: bool = False  # the file must have its list (pip-audit's `ignore:`)
    only_sections: bool = False  # any other top-level key is a problem (Trivy's)
    on_expiry: str = ""  # what to do, appended to an expiry problem
    approver: str = ""  # the key naming who approved an entry, if the file has one


PIP_AUDIT = WaiverFile(
    "pip-audit",
    "security/pip-audit-ignore.yaml",
    ("ignore",),
    ("id", "package", "reason", "expires"),
    "expires",
    ("id",),
    list_required=True,
    on_expiry="fix the vulnerability or renew the entry with a new reason",
)
TRIVY = WaiverFile(
    "Trivy",
    "security/trivyignore.yaml",
    ("vulnerabilities", "misconfigurations", "secrets", "licenses"),
    ("id", "statement", "expired_at"),
    "expired_at",
    ("id",),
    only_sections=True,
)
CONTRACT = WaiverFile(
    "contract",
    "contract/waivers.yaml",
    ("waivers",),
    ("rule", "operation", "reason", "approved_by", "expires"),
    "expires",
    ("rule", "operation", "field"),
    list_required=True,
    on_expiry="keep the old behaviour, or renew the entry with a new reason and approval",
    approver="approved_by",
)
FILES = (PIP_AUDIT, TRIVY, CONTRACT)


@dataclass(frozen=True)
class Waiver:
    file: WaiverFile
    where: str  # e.g. "contract/waivers.yaml entry 1 (response-property-removed GET /x/ name)"
    entry: dict
    expires: dt.date

    def days_left(self, today: dt.date) -> int:
        return (self.expires - today).days


def check_entry(
    entry, where: str, required: tuple[str, ...], expiry_key: str, today: dt.date
) -> tuple[dt.date | None, str | None]:
    """(its expiry date, None) for a valid entry, else (None, the problem in words)."""
    if not isinstance(entry, dict):
        return None, f"{where}: not a mapping"
    missing = [key for key in required if not str(entry.get(key) or "").strip()]
    if missing:
        return None, f"{where}: missing {', '.join(missing)}"
    expires = entry[expiry_key]
    if not isinstance(expires, dt.date):
        try:
            expires = dt.date.fromisoformat(str(expires))
        except ValueError:
            return None, f"{where}: {expiry_key} {entry[expiry_key]!r} is not YYYY-MM-DD"
    if expires < today:
        return None, f"{where}: expired on {expires}"
    return expires, None


def shown(path: Path) -> str:
    """The file as messages name it: relative to the repository, else its name."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return path.name


def label(spec: WaiverFile, entry) -> str:
    if not isinstance(entry, dict):
        return "not a mapping"
    words = [str(entry[key]) for key in spec.label if str(entry.get(key) or "").strip()]
    return " ".join(words) or f"no {spec.label[0]}"


def read(
    spec: WaiverFile, today: dt.date, path: Path | None = None
) -> tuple[list[Waiver], list[str]]:
    """The valid, unexpired entries of one waiver file, and the problems with the others."""
    path = path or ROOT / spec.relpath
    name = shown(path)
    try:
        import yaml

        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        return [], [f"{name}: cannot be read ({exc.strerror})"]
    except yaml.YAMLError as exc:
        return [], [f"{name}: not YAML ({exc})"]
    data = data or {}
    if not isinstance(data, dict):
        return [], [f"{name}: not a mapping of {', '.join(spec.sections)}"]
    problems: list[str] = []
    if spec.only_sections and set(data) - set(spec.sections):
        problems.append(f"{name}: unknown sections {sorted(set(data) - set(spec.sections))}")
    if spec.list_required and any(data.get(s) is None for s in spec.sections):
        problems.append(f"{name}: no `{spec.sections[0]}:` list")
    valid = []
    for section in spec.sections:
        entries = data.get(section) or []
        if not isinstance(entries, list):
            problems.append(f"{name}: `{section}` is not a list")
            continue
        for index, entry in enumerate(entries):
            part = f" {section}" if len(spec.sections) > 1 else ""
            where = f"{name}{part} entry {index + 1} ({label(spec, entry)})"
            expires, problem = check_entry(entry, where, spec.required, spec.expiry, today)
            if problem:
                if "expired on" in problem and spec.on_expiry:
                    problem += f"; {spec.on_expiry}"
                problems.append(problem)
                continue
            valid.append(Waiver(spec, where, entry, expires))
    return valid, problems


def reason_of(waiver: Waiver) -> str:
    entry = waiver.entry
    return str(entry.get("reason") or entry.get("statement") or "")


def summary(today: dt.date, root: Path = ROOT) -> dict:
    """Every active waiver of the three files, with its days left, and every problem."""
    rows, problems = [], []
    for spec in FILES:
        found, trouble = read(spec, today, root / spec.relpath)
        problems += trouble
        for waiver in found:
            rows.append(
                {
                    "file": spec.relpath,
                    "kind": spec.name,
                    "entry": waiver.where,
                    "reason": reason_of(waiver),
                    "approved_by": str(waiver.entry.get(spec.approver, ""))
                    if spec.approver
                    else "",
                    "expires": waiver.expires.isoformat(),
                    "days_left": waiver.days_left(today),
                }
            )
    return {"today": today.isoformat(), "waivers": rows, "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout that holds them")
    args = parser.parse_args(argv)
    data = summary(args.today, args.root)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    for row in data["waivers"]:
        print(f"waivers: {row['entry']}: {row['days_left']} day(s) left, until {row['expires']}")
    print(f"waivers: {len(data['waivers'])} active in {', '.join(s.relpath for s in FILES)}")
    for problem in data["problems"]:
        print(f"waivers: FAIL: {problem}", file=sys.stderr)
    return 1 if data["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
