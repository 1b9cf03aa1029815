"""Rehearse azure-pipelines.yml here: its CI, Build and Verify dev steps, in order, for a push to
main or a pull request, in a clean clone, with an agent's variables.

    python3 toxw -e rehearse                               # its tests, then main and pr
    python3 toxw -e rehearse -- --trigger main             # one trigger
    python3 toxw -e rehearse -- --trigger pr --stages CI   # only the CI stage (others listed)
    python -m harness.rehearse --here --reuse ...          # .ci/run: this checkout, no gate twice

By default the commit checked out (HEAD) is cloned into a temporary folder and rehearsed there;
uncommitted changes are not in it. --here rehearses this checkout instead, which must have no
uncommitted change (.ci/run's checkout is a clean clone already). --reuse does not run a gate
step of CI or Build again when its tox env already passed in this run (GATE_RUN_ID). Writes
reports/rehearsal.json, reports/rehearsal.md and reports/rehearse-pipeline.xml; exit status 1
when a step failed or a step was neither rehearsed nor listed with its reason.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.common.paths import REPORTS, ROOT
from harness.rehearse import macros, report
from harness.rehearse.expand import TRIGGERS, Run, compile_pipeline, head, triggered
from harness.rehearse.runner import REHEARSED, Options, Rehearsal

TITLES = {"main": "Push to main", "pr": "Pull request into main"}


def clean_clone(commit: str, where: Path) -> Path:
    """A clone of this checkout's commit, as an agent's checkout step makes it."""
    target = where / "s"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(target)], check=True)
    subprocess.run(["git", "checkout", "--quiet", "--detach", commit], cwd=target, check=True)
    if (ROOT / ".venv-tox").is_dir():  # toxw's own tox, a tool cache as an agent's
        (target / ".venv-tox").symlink_to(ROOT / ".venv-tox")
    return target


def dirty(checkout: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def rehearse_one(trigger: str, args: argparse.Namespace, build_id: str) -> dict:
    commit = head(ROOT)
    temporary = Path(tempfile.mkdtemp(prefix=f"rehearsal-{trigger}-"))
    checkout = ROOT if args.here else clean_clone(commit, temporary / "w")
    run = Run(trigger, checkout, temporary / "w", build_id, commit)
    print(f"\n##### rehearsal of {TITLES[trigger]} at {commit[:12]} in {checkout}", flush=True)
    start = time.monotonic()
    pipeline = compile_pipeline(run)
    options = Options(
        stages=tuple(args.stages.split(",")) if args.stages else REHEARSED,
        reuse=args.reuse,
        image=args.image,
        stand_in_env=dict(item.split("=", 1) for item in args.stand_in_env),
        tox_work_dir=None if args.fresh_envs else ROOT / ".tox",
        dry_run=args.dry_run,
    )
    rehearsal = Rehearsal(run, pipeline, macros.read_groups(), options)
    why_not = triggered(pipeline, trigger)
    passed = why_not is None and rehearsal.rehearse()
    if why_not:
        print(f"rehearsal: {why_not}", flush=True)
    if passed and not args.keep:
        shutil.rmtree(temporary, ignore_errors=True)
    else:
        print(f"rehearsal: its clone, workspace and artifacts stay in {temporary}", flush=True)
    where = "this checkout (--here)" if args.here else f"a clean clone in {temporary}"
    return {
        "title": TITLES[trigger],
        "commit": commit,
        "build_id": build_id,
        "where": where,
        "seconds": time.monotonic() - start,
        "results": rehearsal.results,
        "passed": passed,
        "not_triggered": why_not,
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m harness.rehearse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--trigger", action="append", choices=TRIGGERS, help="main, pr (both)")
    p.add_argument("--stages", help=f"comma-separated, of {','.join(REHEARSED)} (all)")
    p.add_argument("--here", action="store_true", help="rehearse this checkout, not a clone")
    p.add_argument("--reuse", action="store_true", help="a gate passed in this run runs once")
    p.add_argument("--image", help="the image of dev's stand-in (default: the one Build built)")
    p.add_argument(
        "--stand-in-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change the stand-in's configuration (to show a failing Verify)",
    )
    p.add_argument("--fresh-envs", action="store_true", help="do not reuse this checkout's .tox")
    p.add_argument("--dry-run", action="store_true", help="list every step and why, run none")
    p.add_argument("--keep", action="store_true", help="keep the clone and workspace")
    p.add_argument("--reports", type=Path, default=REPORTS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.here and dirty(ROOT):
        print("rehearsal: --here needs a checkout without uncommitted changes", file=sys.stderr)
        return 2
    build_id = os.environ.get("GATE_RUN_ID") or str(int(time.time()))
    runs = {t: rehearse_one(t, args, build_id) for t in dict.fromkeys(args.trigger or TRIGGERS)}
    report.write(args.reports, runs)
    for trigger, run in runs.items():
        print(f"rehearsal {trigger}: {run['not_triggered'] or report.verdict(run['results'])}")
    print(f"rehearsal: wrote {args.reports / 'rehearsal.md'} and rehearsal.json")
    return 0 if all(run["passed"] for run in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
