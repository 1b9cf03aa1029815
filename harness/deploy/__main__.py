"""python -m harness.deploy apply|rollback|attest|verify|keygen|attest-local (see __init__)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness import deploy
from harness.common.paths import ROOT
from harness.deploy.kubectl import DeployError
from harness.deploy.rollout import apply, rollback

# the image's release evidence, which the deploy steps check and the build steps sign
EVIDENCE_COMMANDS = ("attest", "verify", "keygen", "attest-local")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in EVIDENCE_COMMANDS:
        # imported here: the evidence's libraries (SBOM schemas, signing) take over a second to
        # load, which a deploy or a rollback does not need
        from harness.evidence import cli as evidence

        return evidence.main(argv)
    parser = argparse.ArgumentParser(
        prog="python3 toxw -e deploy --",
        description=deploy.__doc__.split("\n\n")[0],
        epilog="attest, verify, keygen: the image's release evidence (python3 toxw -e deploy -- "
        "verify --help; docs/evidence.md)",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout whose k8s/ to deploy (this one)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("apply", "rollback"):
        p = sub.add_parser(name)
        p.add_argument("--overlay", required=True, help="k8s/overlays/<OVERLAY>: dev or prd")
        p.add_argument("--namespace", help="a check: must be the namespace the overlay sets")
        p.add_argument("--timeout", type=float, default=300, help="seconds per wait (300)")
        p.add_argument("--dry-run", action="store_true", help="print, do not change the cluster")
        if name == "apply":
            image = p.add_mutually_exclusive_group(required=True)
            image.add_argument("--image-file", help="file holding REGISTRY/REPO@sha256:...")
            image.add_argument("--image", help="REGISTRY/REPO@sha256:...")
        else:
            p.add_argument("--fail-after", action="store_true", help="exit 1 after rolling back")
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    try:
        (apply if args.command == "apply" else rollback)(args)
    except (DeployError, OSError) as exc:
        print(f"deploy: FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
