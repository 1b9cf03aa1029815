"""Every recorded response against the contract, with openapi-core: a validator independent of
Schemathesis, so a response no test asserted on is still checked.

Identical responses (same operation, status, headers the contract declares and body) are
validated once: a load test repeats the same few thousand times. A list whose schema is an
array of items and nothing else is validated item by item, each distinct item once, as a list
of that one item: the same verdict, and a run that lists a growing table a thousand times
validates each user once instead of a million times.
"""

from __future__ import annotations

import json
from functools import lru_cache

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from harness.contract.coverage.spec import Contract, Operation

ARRAY_ONLY = {"type", "items", "description", "title"}


class Validator:
    def __init__(self, contract: Contract):
        self._openapi = OpenAPI.from_dict(contract.raw)
        self._whole = lru_cache(maxsize=65536)(self._check)

    def check(self, op: Operation, status: int, media: str, headers: tuple, body: str):
        """None when the contract accepts this response, else why not, in one line."""
        schema = op.schemas.get((str(status), media)) or {}
        items = None
        if schema.get("type") == "array" and set(schema) <= ARRAY_ONLY and "items" in schema:
            try:
                items = json.loads(body)
            except ValueError:
                items = None
        if not isinstance(items, list) or not items:
            return self._whole(op.method, op.path, status, media, headers, body)
        for item in items:
            one = json.dumps([item], sort_keys=True, ensure_ascii=False)
            why = self._whole(op.method, op.path, status, media, headers, one)
            if why:
                return why
        return None

    def _check(
        self, method: str, path: str, status: int, content_type: str, headers: tuple, body: str
    ) -> str | None:
        request = MockRequest("http://service", method.lower(), path)
        response = MockResponse(
            body.encode("utf-8"),
            status_code=status,
            content_type=content_type,
            headers=dict(headers),
        )
        try:
            self._openapi.validate_response(request, response)
        except Exception as exc:  # openapi-core raises one class per finding; all are verdicts
            return _describe(exc)
        return None


def _describe(exc: Exception) -> str:
    reasons = [str(exc)]
    cause = exc.__cause__
    for error in getattr(cause, "schema_errors", None) or ():
        reasons.append(f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}")
    return "; ".join(dict.fromkeys(reasons))[:500]
