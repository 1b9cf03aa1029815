#!/usr/bin/env python3
"""Vulnerability gate: pip-audit over the pinned requirements, with a justified ignore file.

    python3 toxw -e audit                 # every requirements/*.txt
    python3 toxw -e audit -- --requirements requirements/base.txt

Fails when:
  - any pinned package (or a package it pulls in) has a known vulnerability that is not in
    security/pip-audit-ignore.yaml;
  - an ignore entry lacks its id, package, reason or expiry date, or has expired;
  - any package could not be audited. pip-audit itself only warns ("Dependency not found on
    PyPI and could not be audited") and exits 0 when its vulnerability service cannot be reached,
    so an audit that checked nothing would pass; here it fails and says why.

Needs its vulnerability service (PyPI's JSON API per release, or OSV with --service osv) to be
reachable. Writes JUnit (one case per package) to --junit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.common import junit, waivers
from harness.common.paths import ROOT

IGNORE_FILE = ROOT / waivers.PIP_AUDIT.relpath


def say(message: str) -> None:
    print(f"audit: {message}", flush=True)


def load_ignores(path: Path, today: dt.date) -> tuple[list[dict], list[str]]:
    """Valid, unexpired entries and the problems with the others (harness/common/waivers.py)."""
    valid, problems = waivers.read(waivers.PIP_AUDIT, today, path)
    return [{**w.entry, "expires": w.expires} for w in valid], problems


def evaluate(result: dict, ignores: list[dict]) -> tuple[list[dict], list[str]]:
    """Per package: (cases for JUnit, problems). `result` is pip-audit's JSON output."""
    cases, problems = [], []
    dependencies = result.get("dependencies", [])
    unaudited = [d for d in dependencies if d.get("skip_reason")]
    for dep in dependencies:
        name = f"{dep['name']}=={dep.get('version', '?')}"
        failures = []
        if dep.get("skip_reason"):
            failures.append(f"not audited: {dep['skip_reason']}")
        for vuln in dep.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            accepted = next(
                (
                    i
                    for i in ignores
                    if i["id"] in ids and i["package"].lower() == dep["name"].lower()
                ),
                None,
            )
            if accepted:
                say(
                    f"{name}: {vuln['id']} accepted until {accepted['expires']}: "
                    f"{accepted['reason']}"
                )
                continue
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            failures.append(f"{vuln['id']} (fixed in: {fixed})")
        cases.append({"name": name, "failures": failures})
        problems += [f"{name}: {f}" for f in failures if not f.startswith("not audited")]
    if unaudited:
        problems.append(
            f"{len(unaudited)} of {len(dependencies)} packages could not be audited "
            f"(first: {unaudited[0]['name']}: {unaudited[0]['skip_reason']}). The vulnerability "
            "service is not reachable from here; an audit that checked nothing is a failure, "
            "not a pass"
        )
    if not dependencies:
        problems.append("pip-audit reported no packages at all")
    return cases, problems


def write_junit(path: Path, cases: list[dict], ignore_problems: list[str]) -> None:
    all_cases = [{"name": "ignore file", "failures": ignore_problems}, *cases]
    junit.write(path, "audit", [(c["name"], "; ".join(c["failures"]) or None) for c in all_cases])


def run_pip_audit(requirements: list[Path], service: str, timeout: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        command = [sys.executable, "-m", "pip_audit", "--format", "json", "--output", str(out)]
        command += ["--progress-spinner", "off", "--desc", "off", "--aliases", "on"]
        command += ["--vulnerability-service", service, "--timeout", str(timeout)]
        for req in requirements:
            command += ["--requirement", str(req)]
        say(f"pip-audit ({service}) on {', '.join(str(r.relative_to(ROOT)) for r in requirements)}")
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if not out.is_file() or not out.read_text().strip():
            tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
            raise RuntimeError(
                f"pip-audit could not run (exit {completed.returncode}): {' / '.join(tail)}. "
                "Its vulnerability service must be reachable"
            )
        return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirements", type=Path, nargs="+", help="default: requirements/*.txt")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument("--junit", type=Path, default=ROOT / "reports" / "audit.xml")
    parser.add_argument("--service", choices=["pypi", "osv"], default="pypi")
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--result", type=Path, help="evaluate this pip-audit JSON, do not run it")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)

    ignores, ignore_problems = load_ignores(args.ignore_file, args.today)
    requirements = args.requirements or sorted((ROOT / "requirements").glob("*.txt"))
    try:
        if args.result:
            result = json.loads(args.result.read_text())
        else:
            result = run_pip_audit([r.resolve() for r in requirements], args.service, args.timeout)
    except RuntimeError as exc:
        write_junit(args.junit, [{"name": "pip-audit", "failures": [str(exc)]}], ignore_problems)
        print(f"audit: FAILED: {exc}", file=sys.stderr)
        return 1
    cases, problems = evaluate(result, ignores)
    write_junit(args.junit, cases, ignore_problems)
    problems = ignore_problems + problems
    audited = sum(1 for c in cases if not any(f.startswith("not audited") for f in c["failures"]))
    say(f"{audited} of {len(cases)} packages audited; {len(ignores)} accepted finding(s)")
    for problem in problems:
        print(f"audit: FAIL: {problem}", file=sys.stderr)
    if problems:
        return 1
    say("no known vulnerability in the pinned requirements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
