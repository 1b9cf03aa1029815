"""What every smoke check shares: one HTTP client without retries, and failure messages that
state the URL, the status, an excerpt of the body and what was expected."""

from __future__ import annotations

import json
import re

import pytest
import requests
from requests.adapters import HTTPAdapter

from harness.common.paths import ROOT

CONTRACT = ROOT / "contract" / "openapi.yaml"
REPORTS = ROOT / "reports"

# Users created by the write checks have a dni of this prefix plus 7 random characters (13 in
# all, the dni limit). There is no delete in the API, so they stay behind: recognise them by it.
DNI_PREFIX = "smoke-"
EXCERPT = 300


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def describe(response: requests.Response) -> str:
    content_type = response.headers.get("Content-Type", "no Content-Type")
    return (
        f"  got:      HTTP {response.status_code} ({content_type})\n"
        f"  body:     {excerpt(response.text).replace(chr(10), chr(10) + ' ' * 12) or '(empty)'}"
    )


def fail(method: str, url: str, expected: str, got: str) -> None:
    pytest.fail(f"{method} {url}\n  expected: {expected}\n{got}", pytrace=False)


def expect(response: requests.Response, ok: bool, expected: str) -> None:
    """Fail with the URL, status, body excerpt and expectation unless ``ok``. Never retries."""
    if not ok:
        fail(response.request.method, response.url, expected, describe(response))


def json_body(response: requests.Response, expected: str):
    try:
        return response.json()
    except ValueError:
        fail(response.request.method, response.url, expected + " (a JSON body)", describe(response))


class Client:
    """requests against the deployment: no retries, no redirects followed, a bounded timeout."""

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "users-api-smoke"

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        url = self.url(path)
        try:
            return self.session.request(
                method, url, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            fail(method, url, "an HTTP answer", f"  got:      {type(exc).__name__}: {exc}")

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)


def _location(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(key)):
        return f"{parent}.{key}" if parent else str(key)
    return f"{parent}[{json.dumps(str(key))}]"


def _short(value) -> str:
    return excerpt(json.dumps(value, sort_keys=True, default=str), 80)


def differences(served, committed, where: str = "") -> list[str]:
    """Every location where two OpenAPI documents differ, with both values in short."""
    if isinstance(served, dict) and isinstance(committed, dict):
        found = []
        for key in sorted(set(served) | set(committed), key=str):
            here = _location(where, key)
            if key not in served:
                found.append(f"{here}: missing from the served schema")
            elif key not in committed:
                found.append(f"{here}: served but not in the committed contract")
            else:
                found.extend(differences(served[key], committed[key], here))
        return found
    if isinstance(served, list) and isinstance(committed, list) and len(served) == len(committed):
        found = []
        for index, (a, b) in enumerate(zip(served, committed, strict=True)):
            found.extend(differences(a, b, _location(where, index)))
        return found
    if served != committed:
        return [f"{where or '(document)'}: served {_short(served)}, committed {_short(committed)}"]
    return []


def differing_api_paths(served: dict, committed: dict) -> list[str]:
    """The API paths (``/api/users/`` ...) whose documentation differs, with their methods."""
    served_paths = served.get("paths") or {}
    committed_paths = committed.get("paths") or {}
    changed = []
    for path in sorted(set(served_paths) | set(committed_paths)):
        a, b = served_paths.get(path), committed_paths.get(path)
        if a is None:
            changed.append(f"{path} (only in the committed contract)")
        elif b is None:
            changed.append(f"{path} (only in the served schema)")
        elif a != b:
            methods = sorted(m for m in set(a) | set(b) if a.get(m) != b.get(m))
            changed.append(f"{path} ({', '.join(m.upper() for m in methods)})")
    return changed


def _operations_using(document: dict, ref: str) -> list[str]:
    """The operations (``POST /api/users/``) whose description refers to ``ref``, directly or
    through the components that refer to it."""
    components = document.get("components") or {}
    refs, grew = {ref}, True
    while grew:  # every component that refers, at any depth, to one already found
        grew = False
        for section, entries in components.items():
            for name, value in (entries or {}).items():
                here = f"#/components/{section}/{name}"
                if here not in refs and any(f'"{r}"' in json.dumps(value) for r in refs):
                    refs.add(here)
                    grew = True
    used = []
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if any(f'"{r}"' in json.dumps(operation) for r in refs):
                used.append(f"{method.upper()} {path}")
    return sorted(used)


def differing_components(served: dict, committed: dict) -> list[str]:
    """The shared components (schemas, responses, ...) that differ, with the operations they
    describe."""
    changed = []
    a_all, b_all = served.get("components") or {}, committed.get("components") or {}
    for section in sorted(set(a_all) | set(b_all)):
        a, b = a_all.get(section) or {}, b_all.get(section) or {}
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                users = _operations_using(
                    committed if name in b else served, f"#/components/{section}/{name}"
                )
                used = f" (used by {', '.join(users)})" if users else ""
                changed.append(f"component {section}.{name}{used}")
    return changed


def what_differs(served: dict, committed: dict) -> list[str]:
    """Each part of the OpenAPI document that differs, named for a person: the API paths, the
    components they use, and the document's other top-level fields."""
    others = [
        key
        for key in sorted(set(served) | set(committed), key=str)
        if key not in {"paths", "components"} and served.get(key) != committed.get(key)
    ]
    return [
        *differing_api_paths(served, committed),
        *differing_components(served, committed),
        *(f"the document's {key}" for key in others),
    ]
