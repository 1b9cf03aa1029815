"""Contract changelog: every change between two versions of the contract, for its consumers.

    python -m harness.contract.changelog                          # base branch -> working tree
    python -m harness.contract.changelog --base v1.4.0            # a git ref
    python -m harness.contract.changelog --base old.yaml --head new.yaml
    python -m harness.contract.changelog --base https://users.example.org   # what it serves
    python3 toxw -e changelog -- --base ...                        # the same, in its tox env

A version (``--base``, ``--head``) is a file, an http(s) URL, or a git ref. A URL is read with
one GET (YAML or JSON); one without a path means the service's ``/api/schema/``. A git ref
resolves as the breaking-change check resolves its base (REF, origin/REF, a shallow fetch) and
gives its ``contract/openapi.yaml``. Defaults: ``--base`` is ``CONTRACT_BASE_REF`` or ``main``,
``--head`` the working tree's contract/openapi.yaml.

Every change (harness/contract/breaking.py) is listed under its endpoint, with its rule id, its
severity (breaking, deprecation, non-breaking, annotation), where it is, and what it means for a
consumer; a break that contract/waivers.yaml waives says so. It writes
``reports/contract-changelog.md`` and ``reports/contract-changelog.json`` (``--output-dir``) and
exits 0; 2 when a version cannot be read. With ``--missing-base-ok`` a base that cannot be read
(prd before its first release, or down) gives a changelog that says so, and exit 0. Whether a
break may be released is the contract gate's verdict (tests/contract/test_breaking.py), not this
command's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from harness.common.paths import REPORTS, ROOT
from harness.contract import breaking

RELPATH = "contract/openapi.yaml"
STEM = "contract-changelog"
ACCEPT = "application/vnd.oai.openapi+json, application/json;q=0.9, */*;q=0.5"
LEGEND = {
    "breaking": "a client written against the base version may fail",
    "deprecation": "still works; plan the move before the sunset date",
    "non-breaking": "new or relaxed; nothing to do unless you want it",
    "annotation": "words, examples, attributes: requests and responses are as before",
}


class VersionError(RuntimeError):
    """A version of the contract that cannot be read, in words."""


@dataclass
class Version:
    label: str  # what it is, for the reader: "main (0123456789ab)", a file, a URL
    document: dict
    commit: str = ""  # the commit, for a git ref


def schema_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        parts = parts._replace(path="/api/schema/")
    return urlunsplit(parts)


def _parse(text: str, what: str, json_first: bool = False) -> dict:
    try:
        document = json.loads(text) if json_first else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise VersionError(f"{what} is neither YAML nor JSON: {exc}") from None
    if not isinstance(document, dict) or "openapi" not in document:
        raise VersionError(f"{what} is not an OpenAPI document (no `openapi` key)")
    return document


def fetch(url: str, timeout: float = 30) -> Version:
    """One GET of the URL's schema (read-only), YAML or JSON."""
    url = schema_url(url)
    request = urllib.request.Request(url, headers={"Accept": ACCEPT}, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode("utf-8")
            media = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise VersionError(f"GET {url} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise VersionError(f"GET {url} failed: {reason}") from None
    return Version(url, _parse(body, f"GET {url} ({media or 'no Content-Type'})", "json" in media))


def load(spec: str, root: Path = ROOT) -> Version:
    """A version of the contract: an http(s) URL, a file, else a git ref."""
    if spec.startswith(("http://", "https://")):
        return fetch(spec)
    path = Path(spec)
    if path.is_file():
        return Version(str(spec), _parse(path.read_text(), str(spec)))
    try:
        name, commit = breaking.resolve_base(root, spec)
    except breaking.BaseNotFound as exc:
        raise VersionError(
            f"{spec!r} is not a file nor an http(s) URL, and as a git ref: {exc}"
        ) from None
    text = breaking.base_contract(root, commit, RELPATH)
    if text is None:
        raise VersionError(f"{name} ({commit[:12]}) has no {RELPATH}")
    return Version(f"{name} ({commit[:12]})", _parse(text, f"{RELPATH} at {name}"), commit)


def working_tree(root: Path = ROOT) -> Version:
    path = root / RELPATH
    return Version(f"{RELPATH} (working tree)", _parse(path.read_text(), str(path)))


def compares(base: Version, head: Version, root: Path = ROOT) -> bool:
    """False when there is nothing to compare: the base is the commit checked out and the head
    has its very contract (CI on the base branch itself). Then a waiver cannot match anything,
    and only its own keys and expiry are checked."""
    same_commit = bool(base.commit) and base.commit == breaking.head_commit(root)
    return not (same_commit and base.document == head.document)


def _local(change: breaking.Change) -> str:
    """The message without its endpoint, which the changelog's heading names."""
    endpoint, message = change.endpoint, change.message
    for prefix in (f"{endpoint}: ", f"{endpoint} "):
        if endpoint and message.startswith(prefix):
            return message[len(prefix) :]
    return message


def build(
    base: Version,
    head: Version,
    today: dt.date | None = None,
    waivers: Path | None = None,
    compared: bool = True,
    title: str = "Contract changelog",
) -> tuple[dict, breaking.Verdict]:
    """The changelog as data, and the verdict on its breaks (contract/waivers.yaml or
    ``waivers``)."""
    today = today or dt.datetime.now(dt.UTC).date()
    found = breaking.changes(base.document, head.document, today)
    verdict = breaking.judge(found, today, waivers, compared)
    groups: dict[str, list[dict]] = {}
    for change in found:
        row = {**change.as_dict(), "text": _local(change)}
        waiver = verdict.waiver_of(change)
        if waiver is not None:
            row["waiver"] = {
                "entry": waiver.where,
                "reason": str(waiver.entry["reason"]),
                "approved_by": str(waiver.entry["approved_by"]),
                "expires": waiver.expires.isoformat(),
                "days_left": waiver.days_left(today),
            }
        groups.setdefault(change.endpoint, []).append(row)
    counts = {severity: 0 for severity in breaking.SEVERITIES}
    for change in found:
        counts[change.severity] += 1
    data = {
        "title": title,
        "base": base.label,
        "head": head.label,
        "today": today.isoformat(),
        "versions": {
            "base": str(base.document.get("info", {}).get("version", "")),
            "head": str(head.document.get("info", {}).get("version", "")),
        },
        "major_bump": breaking.major_bumped(base.document, head.document),
        "summary": {**counts, "waived": len(verdict.waived), "blocking": len(verdict.blocking)},
        "waiver_problems": verdict.problems,
        "endpoints": [{"endpoint": endpoint, "changes": rows} for endpoint, rows in groups.items()],
    }
    return data, verdict


def unread(spec: str, error: str, head: Version, today: dt.date | None, title: str) -> dict:
    """The changelog when the base cannot be read: nothing compared, and why."""
    data, _ = build(Version(spec, {}), head, today, title=title)
    return {
        **data,
        "endpoints": [],
        "summary": dict.fromkeys(data["summary"], 0),
        "base_error": error,
    }


def counts_line(data: dict) -> str:
    s = data["summary"]
    waived = f", {s['waived']} waived" if s.get("waived") else ""
    return (
        f"{s['breaking']} breaking{waived}, {s['deprecation']} deprecation, "
        f"{s['non-breaking']} non-breaking, {s['annotation']} annotation"
    )


def markdown(data: dict) -> str:
    versions = data["versions"]
    lines = [
        f"# {data['title']}",
        "",
        f"From `{data['base']}` (version {versions['base'] or '?'}) to `{data['head']}` "
        f"(version {versions['head'] or '?'}), on {data['today']}.",
        "",
    ]
    if data.get("base_error"):
        return "\n".join(
            [*lines, f"**Nothing compared: the base could not be read.** {data['base_error']}.", ""]
        )
    if not data["endpoints"]:
        return "\n".join([*lines, "No difference: consumers see the same contract.", ""])
    lines += [f"**{counts_line(data)}.**", ""]
    if data["major_bump"] and data["summary"]["breaking"]:
        lines += ["The major version went up: these breaks are announced by it.", ""]
    lines += [f"- *{severity}*: {words}" for severity, words in LEGEND.items()]
    for group in data["endpoints"]:
        lines += ["", f"## {group['endpoint'] or 'The document as a whole'}", ""]
        for row in group["changes"]:
            line = f"- **{row['severity']}** `{row['rule']}`: {row['text']}. {row['meaning']}"
            waiver = row.get("waiver")
            if waiver:
                line += (
                    f" Waived until {waiver['expires']} ({waiver['days_left']} days left), "
                    f"approved by {waiver['approved_by']}: {waiver['reason']} "
                    f"({waiver['entry']})."
                )
            lines.append(line)
    if data["waiver_problems"]:
        lines += ["", "## Waivers that fail", ""]
        lines += [f"- {problem}" for problem in data["waiver_problems"]]
    return "\n".join(lines) + "\n"


def write(data: dict, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / f"{STEM}.md", folder / f"{STEM}.json"
    md.write_text(markdown(data))
    js.write_text(json.dumps(data, indent=2) + "\n")
    return md, js


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.contract.changelog", description=__doc__.split("\n\n")[0]
    )
    default_base = os.environ.get("CONTRACT_BASE_REF", "").strip() or "main"
    parser.add_argument(
        "--base", default=default_base, help="REF, FILE or URL (default: %(default)s)"
    )
    parser.add_argument("--head", help=f"REF, FILE or URL (default: the working tree's {RELPATH})")
    parser.add_argument("--output-dir", type=Path, default=REPORTS)
    parser.add_argument("--title", default="Contract changelog")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="default: today (UTC)")
    parser.add_argument("--waivers", type=Path, help="default: contract/waivers.yaml")
    parser.add_argument(
        "--missing-base-ok",
        action="store_true",
        help="a base that cannot be read gives a changelog saying so, and exit 0",
    )
    args = parser.parse_args(argv)
    try:
        head = load(args.head) if args.head else working_tree()
    except (VersionError, OSError) as exc:
        print(f"changelog: cannot read the head: {exc}", file=sys.stderr)
        return 2
    try:
        base = load(args.base)
    except (VersionError, OSError) as exc:
        if not args.missing_base_ok:
            print(f"changelog: cannot read the base: {exc}", file=sys.stderr)
            return 2
        print(f"changelog: the base cannot be read, nothing compared: {exc}", file=sys.stderr)
        data = unread(args.base, str(exc), head, args.today, args.title)
    else:
        data, _ = build(base, head, args.today, args.waivers, compares(base, head), args.title)
    md, js = write(data, args.output_dir)
    print(f"changelog: {data['base']} -> {data['head']}: {counts_line(data)}")
    for problem in data["waiver_problems"]:
        print(f"changelog: waiver: {problem}")
    print(f"changelog: wrote {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
