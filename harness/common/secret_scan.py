"""Secrets written into text: what no committed file may hold, whatever its format (the pipeline
and its scripts, the Terraform code and its values)."""

from __future__ import annotations

import re

PATTERNS = {
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "an AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    "an Azure storage key or SAS": re.compile(r"AccountKey=|[?&]sig=[A-Za-z0-9%]{20,}"),
    "a password in a URL": re.compile(r"://[^/\s:@$]+:(?!\$\()[^@\s/]+@"),
    "a JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\."),
}


def found_in(name: str, text: str) -> list[str]:
    """ "NAME:LINE contains WHAT" for every secret-looking string in TEXT."""
    return [
        f"{name}:{text.count(chr(10), 0, match.start()) + 1} contains {label}"
        for label, pattern in PATTERNS.items()
        for match in pattern.finditer(text)
    ]
