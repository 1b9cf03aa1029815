"""DSSE envelopes signed and verified with securesystemslib (the signing library of in-toto).

The pipeline's key is an Ed25519 private key in PEM (PKCS#8), an Azure DevOps secure file; its
public half is committed for the release policy to name. `keygen` makes a throwaway pair for a
local run and the tests.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import CryptoSigner, SSlibKey

from harness.evidence.statements import PAYLOAD_TYPE


class SigningError(RuntimeError):
    pass


def keygen(private: Path, public: Path) -> str:
    """A new Ed25519 pair in PEM; the private file readable by its owner only. Returns keyid."""
    key = Ed25519PrivateKey.generate()
    private.parent.mkdir(parents=True, exist_ok=True)
    private.touch(mode=0o600)
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public.write_bytes(pem)
    return public_key(pem).keyid


def signer(private: Path) -> CryptoSigner:
    try:
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"cannot read the signing key {private}: {exc}") from None
    return CryptoSigner(key)


def public_key(pem: bytes) -> SSlibKey:
    try:
        return SSlibKey.from_crypto(serialization.load_pem_public_key(pem))
    except (ValueError, TypeError) as exc:
        raise SigningError(f"not a public key in PEM: {exc}") from None


def sign(statement: dict, with_signer: CryptoSigner) -> dict:
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    envelope = Envelope(payload=payload, payload_type=PAYLOAD_TYPE, signatures={})
    envelope.sign(with_signer)
    return envelope.to_dict()


class Opened:
    """What an envelope holds and who signed it; `problem` says why it is not to be trusted."""

    def __init__(self, statement: dict | None, keyids: list[str], problem: str | None):
        self.statement, self.keyids, self.problem = statement, keyids, problem


def open_envelope(document: dict, trusted: dict[str, SSlibKey]) -> Opened:
    """Verify DOCUMENT (a DSSE envelope) with the TRUSTED keys (keyid -> key)."""
    try:
        envelope = Envelope.from_dict(copy.deepcopy(document))  # from_dict takes it apart
    except (KeyError, TypeError, ValueError) as exc:
        return Opened(None, [], f"not a DSSE envelope ({exc})")
    keyids = list(envelope.signatures)
    if envelope.payload_type != PAYLOAD_TYPE:
        return Opened(None, keyids, f"payload type {envelope.payload_type!r}, not {PAYLOAD_TYPE}")
    known = [trusted[k] for k in keyids if k in trusted]
    if not known:
        return Opened(None, keyids, f"signed by {', '.join(keyids) or 'nobody'}, not a trusted key")
    try:
        envelope.verify(known, 1)
    except VerificationError:
        return Opened(None, keyids, "its signature does not match its content: it was altered")
    try:
        return Opened(json.loads(envelope.payload), keyids, None)
    except ValueError:
        return Opened(None, keyids, "its payload is not JSON")


def payload_of(document: dict) -> dict | None:
    """The statement of an envelope, unverified: only to say what a refused one claimed."""
    try:
        return json.loads(base64.b64decode(document["payload"]))
    except (KeyError, TypeError, ValueError):
        return None
