"""The release policy (security/release-policy.yaml): per environment, the gates whose PASSED
attestation an image digest needs, by the gate registry's names, and the keys trusted to sign."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from harness import gates
from harness.common.paths import ROOT
from harness.evidence import signing

POLICY = ROOT / "security" / "release-policy.yaml"


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Required:
    stage: str
    gate: str

    def __str__(self) -> str:
        return f"{self.stage}/{self.gate}"


def stage_envs(stage: str) -> dict[str, list[str]]:
    """gate -> its tox envs that STAGE runs (a variant by its own stage, a gate by its stages)."""
    found: dict[str, list[str]] = {}
    for gate, variant in gates.envs():
        stages = (variant.stage,) if variant else gate.stages
        if stage in stages:
            found.setdefault(gate.name, []).append(gate.env(variant))
    for gate in gates.GATES:  # a gate the pipeline runs without tox (trivy)
        if not gate.tox and stage in gate.stages:
            found.setdefault(gate.name, []).append(gate.name)
    return found


@dataclass
class Policy:
    path: Path
    signers: dict[str, Path]
    environments: dict[str, dict]

    def required(self, environment: str) -> list[Required]:
        if environment not in self.environments:
            raise PolicyError(
                f"{self.path.name} has no environment {environment!r} "
                f"(it has {', '.join(self.environments)})"
            )
        spec = self.environments[environment] or {}
        out = [Required(s, g) for s in spec.get("stages", []) for g in stage_envs(s)]
        for item in spec.get("gates", []):
            stage, _, gate = str(item).partition("/")
            if gate not in stage_envs(stage):
                raise PolicyError(
                    f"{self.path.name}: {environment}: {item!r} is no gate of stage {stage!r} "
                    "in the gate registry (harness/gates.py)"
                )
            out.append(Required(stage, gate))
        return list(dict.fromkeys(out))

    def trusted_keys(self) -> dict[str, tuple[str, object]]:
        """keyid -> (signer name, key); a signer whose public key is not there is an error."""
        keys = {}
        for name, path in self.signers.items():
            if not path.is_file():
                raise PolicyError(
                    f"signer {name!r}: its public key {path} does not exist; create the signing "
                    "key and commit its public half (docs/evidence.md, 'The signing key')"
                )
            key = signing.public_key(path.read_bytes())
            keys[key.keyid] = (name, key)
        return keys


def load(path: Path = POLICY) -> Policy:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"cannot read the release policy {path}: {exc}") from None
    if not isinstance(data, dict) or not data.get("environments") or not data.get("signers"):
        raise PolicyError(f"{path}: needs `signers:` and `environments:`")
    for environment, spec in data["environments"].items():
        for stage in (spec or {}).get("stages", []):
            if stage not in gates.STAGES:
                raise PolicyError(f"{path.name}: {environment}: {stage!r} is not a stage")
    signers = {str(k): (ROOT / str(v)) for k, v in data["signers"].items()}
    return Policy(path, signers, data["environments"])
