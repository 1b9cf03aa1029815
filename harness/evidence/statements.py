"""in-toto Statements (v1) about one image digest, built and validated with the in-toto
attestation library: each predicate is parsed into its protobuf message, so a misspelt or
missing field fails here rather than in a verifier."""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import json_format
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.predicates.test_result.v0 import test_result_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement

TEST_RESULT = "https://in-toto.io/attestation/test-result/v0.1"
PROVENANCE = "https://slsa.dev/provenance/v1"
SBOM = "https://cyclonedx.org/bom"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
# What the Build stage does (docker build of Dockerfile at the revision), named for buildType.
BUILD_TYPE = "urn:users-api:build-type:image:v1"  # docs/evidence.md, "Provenance"

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
RESULTS = ("PASSED", "WARNED", "FAILED")


def parse_digest(text: str) -> str:
    """`sha256:<64 hex>` from a digest, or from `name@sha256:...` as image-digest.txt holds it."""
    digest = text.strip().rsplit("@", 1)[-1]
    if not DIGEST.match(digest):
        raise ValueError(f"{text.strip()!r} is not an image digest (sha256:<64 hex digits>)")
    return digest


def subject(image: str, digest: str) -> dict[str, Any]:
    return {"name": image, "digest": {"sha256": parse_digest(digest).split(":", 1)[1]}}


def statement(image: str, digest: str, predicate_type: str, predicate: dict) -> dict:
    subject_pb = ResourceDescriptor(**_descriptor_args(subject(image, digest))).pb
    built = Statement([subject_pb], predicate_type, predicate)
    built.validate()
    return json_format.MessageToDict(built.pb)


def _descriptor_args(item: dict) -> dict:
    return {k: item[k] for k in ("name", "uri", "digest", "annotations") if k in item}


def _checked(message, predicate: dict) -> dict:
    """PREDICATE, once it parses into MESSAGE with no unknown field."""
    json_format.ParseDict(predicate, message(), ignore_unknown_fields=False)
    return predicate


def test_result(
    result: str,
    configuration: list[dict],
    url: str,
    passed: list[str],
    warned: list[str],
    failed: list[str],
) -> dict:
    if result not in RESULTS:
        raise ValueError(f"result {result!r} is none of {', '.join(RESULTS)}")
    predicate = {
        "result": result,
        "configuration": configuration,
        "url": url,
        "passedTests": passed,
        "warnedTests": warned,
        "failedTests": failed,
    }
    return _checked(test_result_pb2.TestResult, predicate)


def provenance(
    *,
    repository: str,
    revision: str,
    ref: str,
    builder: str,
    build_id: str,
    base_image: str,
    base_digest: str | None,
    started: str,
    finished: str,
) -> dict:
    base = {"uri": base_image}
    if base_digest:
        base["digest"] = {"sha256": parse_digest(base_digest).split(":", 1)[1]}
    predicate = {
        "buildDefinition": {
            "buildType": BUILD_TYPE,
            "externalParameters": {
                "repository": repository,
                "ref": ref,
                "dockerfile": "Dockerfile",
            },
            "internalParameters": {"buildId": build_id},
            "resolvedDependencies": [
                {"uri": f"git+{repository}@{ref}", "digest": {"gitCommit": revision}},
                base,
            ],
        },
        "runDetails": {
            "builder": {"id": builder},
            "metadata": {"invocationId": build_id, "startedOn": started, "finishedOn": finished},
        },
    }
    return _checked(provenance_pb2.Provenance, predicate)
