"""HEAD is answered wherever GET is: for every HEAD operation of the contract and every status it
documents, the service's answer to HEAD has the status and headers of its answer to GET for the
same request, and no body (RFC 9110, 9.3.2).

The statuses come from the contract, so an operation or a status added there without a way to
bring it about here fails this test instead of going unchecked."""

import pytest
from django.db import OperationalError

from harness.contract.coverage import spec
from webapp.api import limits

pytestmark = pytest.mark.django_db

HEAD_OPERATIONS = [op for op in spec.load().operations if op.method == "HEAD"]


def _database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)


# How to bring each status about: (path of the request, extra request META, set-up).
TRIGGERS = {
    "200": lambda path: (path, {}, None),
    "400": lambda path: (
        (path, {"HTTP_HOST": "evil.example"}, None)
        if not path.startswith(("/healthz", "/readyz"))
        else (path, {"HTTP_HOST": ""}, None)
    ),  # the probes answer any Host; none at all is a 400
    "404": lambda path: (path.replace("{id}", "999999999"), {}, None),  # an id no user has
    "406": lambda path: (path, {"HTTP_ACCEPT": "application/xml"}, None),
    "414": lambda path: (f"{path}?q={'a' * limits.REQUEST_LINE_MAX_BYTES}", {}, None),
    "431": lambda path: (path, {"HTTP_X_FILLER": "a" * limits.REQUEST_HEADER_MAX_BYTES}, None),
    "503": lambda path: (path, {}, _database_down),
}

CASES = [
    pytest.param(op, status, id=f"{op.id}-{status}")
    for op in HEAD_OPERATIONS
    for status in sorted(op.responses)
]


def test_the_contract_documents_a_head_beside_every_get():
    contract = spec.load()
    gets = {op.path for op in contract.operations if op.method == "GET"}
    assert gets == {op.path for op in HEAD_OPERATIONS}


@pytest.mark.parametrize(("op", "status"), CASES)
def test_head_answers_as_get_without_the_body(api, create, monkeypatch, op, status):
    assert status in TRIGGERS, f"no way to bring about {status} for {op.id}: add it to TRIGGERS"
    user = create(dni="1").json()
    path, extra, set_up = TRIGGERS[status](op.path)
    path = path.replace("{id}", str(user["id"]))
    if set_up is not None:
        set_up(monkeypatch)
    get = api.get(path, **extra)
    head = api.head(path, **extra)
    assert (get.status_code, head.status_code) == (int(status), int(status)), get.content
    assert head.content == b""
    for name in ("Content-Type", "Allow", "Retry-After", "Content-Length"):
        assert head.get(name) == get.get(name), name
