"""The release evidence with a throwaway key: a run's evidence verifies, and every way of
getting it wrong is refused with its reason."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from harness.common import junit
from harness.evidence import attest, policy, signing, statements, verify
from harness.evidence.cli import main

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64
FOUND = {"python": [("Django", "5.2.8")], "debian": [("libc6", "2.36-9", "amd64")]}


@pytest.fixture
def run(tmp_path):
    """A run's reports, its signed evidence and a policy for `t` (unit in CI, image in Build)."""
    keys = tmp_path / "keys"
    signing.keygen(keys / "k.pem", keys / "k.pub")
    reports = tmp_path / "reports"
    for name in ("unit", "unit-postgresql", "image"):
        junit.write(reports / f"{name}.xml", name, [("test_one", None), ("test_two", None)])
    rules = tmp_path / "policy.yaml"
    rules.write_text(
        yaml.safe_dump(
            {
                "signers": {"pipeline": str(keys / "k.pub")},
                "environments": {"t": {"gates": ["CI/unit", "Build/image"]}},
            }
        )
    )

    class Run:
        root = tmp_path
        out = tmp_path / "evidence"
        policy = rules

        def attest(self, key: Path = keys / "k.pem", digest: str = DIGEST) -> list[str]:
            self.out.mkdir(exist_ok=True)
            origin = attest.Origin(
                "registry/users-api",
                digest,
                "https://example.invalid/repo",
                "c" * 40,
                "refs/heads/main",
                "local:test",
                "42",
            )
            signer = signing.signer(key)
            lines = attest.attest_gates(["CI", "Build"], [reports], origin, signer, self.out)
            return lines + attest.attest_image(
                FOUND, origin, signer, self.out, "debian", None, None
            )

        def verify(self, digest: str = DIGEST, environment: str = "t") -> verify.Verdict:
            rules_ = policy.load(self.policy)
            return verify.verify(digest, environment, rules_, [self.out], rules_.trusted_keys())

    return Run()


def test_the_evidence_of_a_run_verifies(run):
    lines = run.attest()
    assert "CI/unit: PASSED (4 passed, 0 warned, 0 failed) -> CI.unit.intoto.dsse.json" in lines
    assert any(line.startswith("CI/lint: not attested: lint.xml: 0 of this run") for line in lines)
    verdict = run.verify()
    assert verdict.refusals == []
    assert [(r.what, r.result, r.signer, r.verified) for r in verdict.rows] == [
        ("CI/unit", "PASSED", "pipeline", True),
        ("Build/image", "PASSED", "pipeline", True),
        ("sbom", "present", "pipeline", True),
        ("provenance", "present", "pipeline", True),
    ]
    statement = signing.payload_of(json.loads((run.out / "CI.unit.intoto.dsse.json").read_text()))
    assert statement["subject"] == [{"name": "registry/users-api", "digest": {"sha256": "a" * 64}}]
    assert statement["predicateType"] == statements.TEST_RESULT
    assert "unit.xml::test_one" not in statement["predicate"]["passedTests"]
    assert "unit::test_one" in statement["predicate"]["passedTests"]
    envs = [
        c["annotations"]["env"]
        for c in statement["predicate"]["configuration"]
        if "annotations" in c
    ]
    assert envs == ["unit", "unit-postgresql"]


def _envelope(run, name: str) -> tuple[Path, dict]:
    path = run.out / f"{name}{attest.SUFFIX}"
    return path, json.loads(path.read_text())


def test_one_byte_of_an_envelope_changed_is_refused(run):
    run.attest()
    path, envelope = _envelope(run, "Build.image")
    payload = bytearray(base64.b64decode(envelope["payload"]))
    payload[payload.index(b"PASSED")] = ord("Q")  # one byte
    envelope["payload"] = base64.b64encode(bytes(payload)).decode()
    path.write_text(json.dumps(envelope))
    assert run.verify().refusals == [
        "Build/image: Build.image.intoto.dsse.json: its signature does not match its content: "
        "it was altered"
    ]


def test_a_required_gate_missing_is_refused(run):
    run.attest()
    (run.out / "CI.unit.intoto.dsse.json").unlink()
    assert run.verify().refusals == ["CI/unit: no attestation of CI/unit in the evidence"]


def test_a_failed_gate_is_refused(run):
    reports = run.root / "reports"
    junit.write(reports / "unit-postgresql.xml", "u", [("test_ok", None), ("test_race", "boom")])
    run.attest()
    assert run.verify().refusals == ["CI/unit: FAILED: u::test_race"]


def test_evidence_about_another_digest_is_refused(run):
    run.attest(digest=OTHER)
    refusals = run.verify().refusals
    assert len(refusals) == 4
    assert refusals[0] == (
        f"CI/unit: CI.unit.intoto.dsse.json is about {OTHER}, not the digest to deploy"
    )


def test_evidence_signed_by_an_untrusted_key_is_refused(run):
    signing.keygen(run.root / "other.pem", run.root / "other.pub")
    run.attest(key=run.root / "other.pem")
    refusals = run.verify().refusals
    assert len(refusals) == 4
    assert refusals[0].startswith("CI/unit: CI.unit.intoto.dsse.json: signed by ")
    assert refusals[0].endswith(", not a trusted key")


def test_no_sbom_is_refused(run):
    run.attest()
    (run.out / "sbom.intoto.dsse.json").unlink()
    assert run.verify().refusals == ["sbom: no attestation of sbom in the evidence"]


def test_the_sbom_is_cyclonedx_of_what_the_image_holds(run):
    run.attest()
    document = json.loads((run.out / "sbom.cdx.json").read_text())
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.6"
    assert {c["purl"] for c in document["components"]} == {
        "pkg:pypi/django@5.2.8",
        "pkg:deb/debian/libc6@2.36-9?arch=amd64",
    }
    _, envelope = _envelope(run, "sbom")
    assert signing.payload_of(envelope)["predicate"] == document


def test_the_cli_refuses_with_the_reason_and_the_table(run, capsys, tmp_path):
    run.attest()
    (run.out / "provenance.intoto.dsse.json").unlink()
    report = tmp_path / "verify.json"
    args = ["verify", "--digest", DIGEST, "--environment", "t", "--policy", str(run.policy)]
    code = main([*args, "--evidence", str(run.out), "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 1
    assert "| CI/unit | PASSED | pipeline | yes |" in out
    assert "  - provenance: no attestation of provenance in the evidence" in out
    assert json.loads(report.read_text())["allowed"] is False


def test_the_policy_names_only_gates_of_the_registry(run, tmp_path):
    rules = tmp_path / "bad.yaml"
    rules.write_text(
        yaml.safe_dump({"signers": {"p": "k.pub"}, "environments": {"t": {"gates": ["CI/smoke"]}}})
    )
    with pytest.raises(policy.PolicyError, match="'CI/smoke' is no gate of stage 'CI'"):
        policy.load(rules).required("t")
    with pytest.raises(policy.PolicyError, match=r"its public key .* does not exist"):
        policy.load(rules).trusted_keys()


def test_the_repository_policy_requires_every_ci_and_build_gate_for_prd():
    rules = policy.load()
    prd = [str(r) for r in rules.required("prd")]
    assert {"CI/unit", "CI/lint", "CI/audit", "Build/image", "Build/trivy"} <= set(prd)
    assert prd[-4:] == [
        "VerifyDev/smoke",
        "VerifyDev/contract",
        "VerifyDev/contract-coverage",
        "VerifyDev/hpa",
    ]
    assert not {r for r in prd if r.startswith("VerifyDev")} & {
        str(r) for r in rules.required("dev")
    }


def test_a_local_run_waives_only_what_the_registry_says_it_cannot_run(run):
    run.attest()
    rules = policy.load()
    keys = {k: ("throwaway", v) for k, (_, v) in policy.load(run.policy).trusted_keys().items()}
    verdict = verify.verify(DIGEST, "dev", rules, [run.out], keys, local=True)
    waived = {r.what for r in verdict.rows if r.result == "waived"}
    assert waived == {"CI/audit", "Build/trivy"}


def test_a_predicate_with_an_unknown_field_is_refused_when_written():
    with pytest.raises(Exception, match='no field named "passedTest"'):
        statements._checked(
            statements.test_result_pb2.TestResult, {"result": "PASSED", "passedTest": []}
        )
    with pytest.raises(ValueError, match="not an image digest"):
        statements.parse_digest("users-api:latest")


def _cobertura(path: Path, covered: int) -> None:
    path.write_text(
        f'<coverage lines-valid="100" lines-covered="{covered}" branches-valid="0" '
        'branches-covered="0"></coverage>'
    )


def test_coverage_is_attested_on_webapps_minimum_only(run):
    reports = run.root / "reports"
    _cobertura(reports / "coverage.xml", 97)
    _cobertura(reports / "coverage-harness.xml", 60)  # one job's gates: not judged there
    run.policy.write_text(run.policy.read_text().replace("- CI/unit", "- CI/coverage"))
    run.attest()
    assert run.verify().refusals == []
    _cobertura(reports / "coverage.xml", 90)
    run.attest()
    assert run.verify().refusals == ["CI/coverage: FAILED: webapp/ coverage 90.0% (needs 95%)"]


def test_the_cli_writes_signs_and_verifies_a_run(run, tmp_path, capsys):
    keys = tmp_path / "cli-keys"
    assert main(["keygen", str(keys)]) == 0
    out = tmp_path / "cli-evidence"
    reports = str(run.root / "reports")
    common = ["--digest", f"registry/users-api@{DIGEST}"]
    code = main(
        [
            "attest",
            *common,
            "--key",
            str(keys / "evidence-key.pem"),
            "--image",
            "users-api",
            "--stage",
            "CI,Build",
            "--reports",
            reports,
            "--out",
            str(out),
            "--run-url",
            "local:t",
        ]
    )
    assert code == 0
    assert "  CI/unit: PASSED (4 passed, 0 warned, 0 failed)" in capsys.readouterr().out
    rules = tmp_path / "cli-policy.yaml"
    rules.write_text(
        run.policy.read_text().replace(
            str(run.root / "keys" / "k.pub"), str(keys / "evidence-key.pub")
        )
    )
    verify_args = ["verify", *common, "--environment", "t", "--policy", str(rules)]
    report = str(tmp_path / "v.json")
    # no SBOM nor provenance were asked for: refused, and it says so
    assert main([*verify_args, "--evidence", str(out), "--report", report]) == 1
    assert "  - sbom: no attestation of sbom in the evidence" in capsys.readouterr().out
    run.attest()  # the fixture's SBOM and provenance, but signed with another key
    assert main([*verify_args, "--evidence", str(tmp_path / "*evidence"), "--report", report]) == 1
    assert "sbom.intoto.dsse.json: signed by" in capsys.readouterr().out
