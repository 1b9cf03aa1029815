"""The release evidence of an image digest (docs/evidence.md).

    python -m harness.evidence attest-local         # .ci/run: a throwaway key, then verify
    python -m harness.evidence keygen DIR           # a throwaway key pair
    python -m harness.evidence attest --key PEM --digest D --image NAME --stage CI --stage Build \
        [--reports DIR ...] [--sbom-of REF] [--out reports/evidence]
    python -m harness.evidence verify --environment prd --digest D [--evidence DIR ...] \
        [--policy FILE] [--local-key PUB]

`python3 toxw -e deploy -- attest|verify|keygen ...` runs the same. verify exits 1 when the digest
may not be deployed, and names every reason.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import sys
from pathlib import Path

from harness.common import git
from harness.common.paths import REPORTS
from harness.evidence import attest, policy, sbom, signing, statements, verify
from harness.evidence.table import evidence_table

OUT = REPORTS / "evidence"
IMAGE_FIGURES = REPORTS / "image-figures.json"  # written by the image gate (tests/image)


def _origin(args) -> attest.Origin:
    env = os.environ
    revision = args.revision or env.get("BUILD_SOURCEVERSION") or git.output("rev-parse", "HEAD")
    repository = (
        args.repository
        or env.get("BUILD_REPOSITORY_URI")
        or git.output("config", "--get", "remote.origin.url")
        or str(Path.cwd())
    )
    if "://" not in repository and not repository.startswith("git@"):
        repository = "file://" + repository  # a local path as a URI
    run_url = args.run_url or (
        f"{env['SYSTEM_COLLECTIONURI']}{env.get('SYSTEM_TEAMPROJECT', '')}"
        f"/_build/results?buildId={env.get('BUILD_BUILDID', '')}"
        if env.get("SYSTEM_COLLECTIONURI")
        else f"local:{env.get('GATE_RUN_ID', 'run')}"
    )
    return attest.Origin(
        image=args.image,
        digest=statements.parse_digest(_digest(args)),
        repository=repository,
        revision=revision,
        ref=env.get("BUILD_SOURCEBRANCH")
        or git.output("rev-parse", "--abbrev-ref", "HEAD")
        or "HEAD",
        run_url=run_url,
        build_id=env.get("BUILD_BUILDID") or env.get("GATE_RUN_ID") or "local",
    )


def _folders(values: list[str] | None, default: Path) -> list[Path]:
    """Each value a folder or a glob of folders (the pipeline's $(Pipeline.Workspace)/reports-*)."""
    found: list[Path] = []
    for value in values or [str(default)]:
        matched = sorted(Path(p) for p in glob.glob(value)) if glob.has_magic(value) else []
        found += [p for p in matched if p.is_dir()] or ([] if matched else [Path(value)])
    return list(dict.fromkeys(found))


def _stages(values: list[str] | None) -> list[str]:
    return [s.strip() for value in values or [] for s in value.split(",") if s.strip()]


def _digest(args) -> str:
    if args.digest:
        return args.digest
    if args.digest_file:
        return Path(args.digest_file).read_text()
    raise SystemExit("evidence: give --digest sha256:... or --digest-file reports/image-digest.txt")


def image_digest(ref: str) -> str | None:
    """The digest the engine knows REF by (podman: its manifest; docker: its registry digest)."""
    from harness.image import runner

    fmt = "{{.Digest}}" if runner.is_podman() else "{{index .RepoDigests 0}}"
    try:
        return statements.parse_digest(runner.inspect(ref, fmt, kind="image"))
    except (runner.ImageError, ValueError):
        return None


def cmd_keygen(args) -> int:
    folder = Path(args.dir)
    keyid = signing.keygen(folder / "evidence-key.pem", folder / "evidence-key.pub")
    print(f"evidence: throwaway key {keyid[:16]}: {folder}/evidence-key.pem (private), .pub")
    return 0


def cmd_attest(args) -> int:
    origin = _origin(args)
    key = signing.signer(Path(args.key))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"evidence: attesting {origin.image}@{origin.digest} ({origin.run_url})")
    folders = _folders(args.reports, REPORTS)
    lines = attest.attest_gates(_stages(args.stage), folders, origin, key, out)
    if args.sbom_of:
        from harness.image.base import dockerfile_default_base

        base = args.base or dockerfile_default_base()
        base_digest = args.base_digest or image_digest(base)
        found = sbom.inventory(args.sbom_of)
        lines += attest.attest_image(found, origin, key, out, base, base_digest, args.started)
    for line in lines:
        print(f"  {line}")
    print(f"evidence: written to {out}")
    return 0


def cmd_attest_local(args) -> int:
    """What .ci/run does once the gates have run: the local image's evidence, signed with a
    throwaway key (never the pipeline's), then verified for dev as Deploy dev verifies it."""
    import tempfile

    from harness.image import build

    # the image this run's image gate checked (its figures name it), by its id: a later build
    # may have moved the tag; else the one the image script built last
    reference = {}
    for path, key in ((IMAGE_FIGURES, "build"), (build.REF_FILE, None)):
        if not reference and path.exists():
            data = json.loads(path.read_text())
            reference = (data.get(key) if key else data) or {}
    tag = reference.get("tag") or build.default_ref()
    ref = args.ref or reference.get("id") or tag
    digest = image_digest(ref)
    if digest is None:
        print(f"evidence: no image {ref} here: run python3 toxw -e image first", file=sys.stderr)
        return 1
    shutil.rmtree(OUT, ignore_errors=True)  # an earlier run's envelopes are not this run's
    keys = Path(tempfile.mkdtemp(prefix="evidence-key-"))
    cmd_keygen(argparse.Namespace(dir=keys))
    common = ["--digest", digest]
    image = ["--image", tag.rsplit(":", 1)[0], "--sbom-of", ref]
    base = ["--base", reference["base"]] if reference.get("base") else []
    key = ["--key", str(keys / "evidence-key.pem")]
    code = main(["attest", *common, *key, *image, *base, "--stage", "CI,Build"])
    code = code or main(
        ["verify", *common, "--environment", "dev", "--local-key", str(keys / "evidence-key.pub")]
    )
    for path in keys.iterdir():  # the throwaway key goes with this run
        path.unlink()
    keys.rmdir()
    return code


def cmd_verify(args) -> int:
    try:
        rules = policy.load(Path(args.policy))
        if args.local_key:
            key = signing.public_key(Path(args.local_key).read_bytes())
            trusted = {key.keyid: ("throwaway (local run)", key)}
        else:
            trusted = rules.trusted_keys()
        verdict = verify.verify(
            args.digest or _digest(args),
            args.environment,
            rules,
            _folders(args.evidence, OUT),
            trusted,
            local=bool(args.local_key),
        )
    except (policy.PolicyError, signing.SigningError, ValueError, OSError) as exc:
        print(f"evidence: REFUSED: {exc}", file=sys.stderr)
        return 1
    print(f"evidence: {verdict.digest} for {args.environment} ({rules.path.name})")
    print("\n".join(evidence_table(verdict.to_json())))
    report = Path(args.report)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(verdict.to_json(), indent=2) + "\n")
    if verdict.refusals:
        print(f"evidence: REFUSED: {verdict.digest} may not be deployed to {args.environment}:")
        for reason in verdict.refusals:
            print(f"  - {reason}")
        return 1
    waived = [r.what for r in verdict.rows if r.result == "waived"]
    print(
        f"evidence: ALLOWED: every attestation {args.environment} needs is there, signed and "
        "PASSED" + (f" ({', '.join(waived)} waived in this local run)" if waived else "")
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m harness.evidence",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="a throwaway Ed25519 key pair in DIR")
    keygen.add_argument("dir")
    local = sub.add_parser("attest-local", help="keygen, attest and verify the local image")
    local.add_argument("--ref", help="the image (default: the one the image gate built)")
    for name in ("attest", "verify"):
        one = sub.add_parser(name)
        one.add_argument("--digest", help="sha256:... (or NAME@sha256:...)")
        one.add_argument("--digest-file", help="a file holding it (reports/image-digest.txt)")
        if name == "attest":
            one.add_argument("--key", required=True, help="the signing key, PEM (PKCS#8)")
            one.add_argument("--image", required=True, help="the image's name (the subject)")
            one.add_argument(
                "--stage", action="append", help="attest every gate of this stage (CI,Build)"
            )
            one.add_argument(
                "--reports", action="append", help="a folder (or glob) of this run's reports"
            )
            one.add_argument("--sbom-of", help="an image ref to list for the SBOM, and provenance")
            one.add_argument("--base", help="the base image the Dockerfile built from")
            one.add_argument("--base-digest", help="its digest")
            one.add_argument("--started", help="when the build started (ISO 8601)")
            one.add_argument("--repository", help="default: Build.Repository.Uri, or git's origin")
            one.add_argument("--revision", help="default: Build.SourceVersion, or HEAD")
            one.add_argument("--run-url", help="default: this Azure DevOps run's URL")
            one.add_argument("--out", default=str(OUT))
        else:
            one.add_argument("--environment", required=True)
            one.add_argument(
                "--evidence", action="append", help=f"a folder (or glob) of envelopes ({OUT})"
            )
            one.add_argument("--policy", default=str(policy.POLICY))
            one.add_argument(
                "--local-key",
                help="a local run: trust only this throwaway public "
                "key, and waive the gates the registry says .ci/run cannot run",
            )
            one.add_argument("--report", default=str(REPORTS / "evidence-verify.json"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    commands = {"keygen": cmd_keygen, "attest": cmd_attest, "verify": cmd_verify}
    return {**commands, "attest-local": cmd_attest_local}[args.command](args)
