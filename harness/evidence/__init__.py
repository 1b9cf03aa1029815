"""Release evidence bound to an image digest: in-toto attestations of the gates' results, a
CycloneDX SBOM and an SLSA provenance statement, each signed as a DSSE envelope, and the check of
a digest against the release policy (security/release-policy.yaml). docs/evidence.md."""
