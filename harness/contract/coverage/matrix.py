"""The coverage matrix: each recorded exchange sorted into what it demonstrates or breaks.

- a documented (operation, status, media type) it demonstrates, once openapi-core accepts it
  (a HEAD answer has no body: it is judged by its status and headers, its media type "");
- a response the contract does not document for that operation (status or media type);
- a response with a documented status that breaks its schema or its headers;
- for a JSON request body: the constraints it broke. A body that broke a constraint and got
  the documented 400 demonstrates it (``alone`` says whether some body broke it and nothing
  else: an empty string breaks both minLength 1 and a "not blank" pattern, so not every
  constraint can be broken alone); a body that broke any and got a 2xx is a constraint the
  service does not enforce;
- a request for a method or path the contract does not declare (or too malformed to name one):
  its answer must be the documented error shape, a 4xx JSON ``detail`` (405 also with Allow);
- the server's own answers to a request it could not parse at all (docs/api.md, "Transport-level
  answers": a 4xx without a body or a media type, which no answer of the service is), counted
  apart as outside every operation, whatever path the request line names;
- the documentation endpoints, counted apart; so are the exchanges of a test marked
  ``service_broken_on_purpose`` (it patches the service's code to fail, e.g. to see the 500 of
  an unexpected error): they neither demonstrate nor break the contract.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from harness.contract.coverage import constraints as body_rules
from harness.contract.coverage.evidence import Evidence
from harness.contract.coverage.spec import Contract, Operation, is_docs
from harness.contract.coverage.validate import Validator

Seen = dict[str, Counter]  # gate env -> test id -> exchanges seen


def _seen() -> defaultdict:
    return defaultdict(lambda: defaultdict(Counter))


@dataclass
class Matrix:
    documented: defaultdict = field(default_factory=_seen)  # (op, status, media) -> Seen
    undeclared: defaultdict = field(default_factory=_seen)  # (method, path, status, media)
    invalid: defaultdict = field(default_factory=_seen)  # (op, status, media, why)
    constraints: defaultdict = field(default_factory=_seen)  # (op, property, keyword)
    unenforced: defaultdict = field(default_factory=_seen)  # (op, property, keyword, status)
    not_declared: defaultdict = field(default_factory=_seen)  # (method, status, media, problem)
    samples: dict = field(default_factory=dict)  # not_declared key -> a few paths
    docs: defaultdict = field(default_factory=_seen)  # (method, path, status)
    on_purpose: defaultdict = field(default_factory=_seen)  # (method, path, status)
    transport: defaultdict = field(default_factory=_seen)  # (status,)
    alone: set = field(default_factory=set)  # constraints some 400 request broke on its own
    exchanges: int = 0


def _mark(table: defaultdict, key: tuple, exchange: dict) -> None:
    table[key][exchange["gate"]][exchange.get("test") or "(outside a test)"] += 1


def _error_shape(exchange: dict, body: str | None) -> str:
    """'' when the answer has the documented error shape, else what is wrong with it."""
    status = exchange["status"]
    if not 400 <= status < 500:
        return f"answered {status}, not a 4xx"
    if exchange.get("media_type") != "application/json":
        return f"answered {exchange.get('media_type') or 'no media type'}, not JSON"
    try:
        detail = json.loads(body).get("detail") if body is not None else None
    except (ValueError, AttributeError):
        detail = None
    if not isinstance(detail, str):
        return 'the body has no "detail" string'
    if status == 405 and "allow" not in exchange.get("headers", {}):
        return "a 405 without an Allow header"
    return ""


def _body_verdicts(matrix: Matrix, op: Operation, exchange: dict) -> None:
    if exchange.get("request_media_type") != "application/json" or exchange.get("request_body_cut"):
        return
    body = body_rules.parse(exchange.get("request_body"))
    if body is body_rules.NOT_JSON:
        return
    broken = body_rules.broken(op.body_schema, body)
    status = exchange["status"]
    if broken and status == 400 and "400" in op.responses:
        for prop, keyword in broken:
            _mark(matrix.constraints, (op.id, prop, keyword), exchange)
        if len(broken) == 1:
            matrix.alone.add((op.id, *next(iter(broken))))
    if broken and 200 <= status < 300:
        for prop, keyword in sorted(broken):
            _mark(matrix.unenforced, (op.id, prop, keyword, status), exchange)


def _declared(matrix: Matrix, validator: Validator, op: Operation, ex: dict, body) -> None:
    status, media = str(ex["status"]), ex.get("media_type") or ""
    if op.method == "HEAD":
        # No body: the Content-Type describes the GET's answer (RFC 9110, 9.3.2), so a HEAD
        # answer is judged by its status and headers, and any body it carried breaks it.
        if body:
            _mark(matrix.invalid, (op.id, status, "", "a HEAD answer with a body"), ex)
            return
        media, body = "", ""
    if status not in op.responses or media not in op.responses[status]:
        _mark(matrix.undeclared, (op.method, op.path, status, media), ex)
        return
    headers = tuple(sorted(ex.get("headers", {}).items()))
    why = (
        "the response body was not recorded"
        if body is None
        # the template as the path: its parameters are the request's business, not the answer's
        else validator.check(op, ex["status"], media, headers, body)
    )
    if why:
        _mark(matrix.invalid, (op.id, status, media, why), ex)
    else:
        _mark(matrix.documented, (op.id, status, media), ex)
    if op.body_schema:
        _body_verdicts(matrix, op, ex)


def is_transport_refusal(exchange: dict, body: str | None) -> bool:
    """The server's own refusal of a request it could not parse: a 4xx with no media type and
    no body. Every answer of the service has a media type (JSON, or the docs' HTML)."""
    return 400 <= exchange["status"] < 500 and not exchange.get("media_type") and not body


def _not_declared(matrix: Matrix, ex: dict, body) -> None:
    problem = _error_shape(ex, body)
    key = (ex["method"], str(ex["status"]), ex.get("media_type") or "", problem)
    _mark(matrix.not_declared, key, ex)
    paths = matrix.samples.setdefault(key, [])
    if len(paths) < 3 and ex["path"] not in paths:
        paths.append(ex["path"])


def build(contract: Contract, evidence: Evidence) -> Matrix:
    matrix = Matrix()
    validator = Validator(contract)
    for ex in evidence.exchanges:
        matrix.exchanges += 1
        body = evidence.body(ex)
        if ex.get("broken_on_purpose"):
            # a test that breaks the service's code itself (pytest mark service_broken_on_purpose)
            _mark(matrix.on_purpose, (ex["method"], ex["path"], str(ex["status"])), ex)
            continue
        if is_transport_refusal(ex, body):
            _mark(matrix.transport, (str(ex["status"]),), ex)
            continue
        if is_docs(ex["path"]):
            _mark(matrix.docs, (ex["method"], ex["path"], str(ex["status"])), ex)
            continue
        op = contract.operation(ex["method"], ex["path"])
        if op is None:
            _not_declared(matrix, ex, body)
        else:
            _declared(matrix, validator, op, ex, body)
    return matrix
