"""The consumer scenario: what a program using the typed client (client.py) does, through the
generated code only, every answer parsed into the generated models.

    steps = consumer.run(users_api_client, server.url, stateful=True)   # the service
    steps = consumer.run(users_api_client, mock.url, stateful=False)    # the mock (mock.py)

| step | call | expected answer |
|---|---|---|
| create | createUser, a new dni | 201, ``User``, ``Location: /api/users/{id}/`` |
| read back | getUser, its id | 200, ``User`` |
| list | listUsers | 200, a list of ``User`` |
| missing id | getUser, an id no user has | 404, ``Error`` "Not found." |
| taken dni | createUser, the same dni again | 400, ``ValidationError`` "User already exists" |
| invalid body | createUser, a 14-character dni and a blank name | 400, ``ValidationError`` |

``stateful=True``, against the service: on top of that, what a store promises: the created user
has the dni and name sent, reads back and is listed equal to the create's answer; the missing id
is one past the largest listed; the taken dni is refused because the first create stored it; the
invalid body's ``errors`` name both fields.

``stateful=False``, against a mock that stores nothing: only what the contract says of each
answer, its status and model. Where the answer depends on what a service has stored (a missing
id, a taken dni), the request asks the mock for the documented answer with Prism's ``Prefer``
header (RFC 7240): ``code=404``, and ``code=400, example=UserAlreadyExists``. The invalid body
asks for nothing: its 400 is the mock's own validation of the request against the contract.
"""

from __future__ import annotations

import importlib
import secrets
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

NOT_FOUND = "Not found."
TAKEN = "User already exists"
NAME = "Ada Lovelace"


class ScenarioFailed(AssertionError):
    """An answer is not the one the contract (and, stateful, the service's store) promises."""


@dataclass
class Step:
    name: str
    status: int
    model: str  # the generated class the answer was parsed into
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioFailed(message)


def check(steps: list[Step], name: str, response, status: int, model: type) -> Any:
    """The answer has this status and was parsed into this generated model (each item of a
    list); record the step in ``steps`` and return the parsed answer."""
    parsed = response.parsed
    items = parsed if isinstance(parsed, list) else [parsed]
    if isinstance(parsed, list):
        shown = "list of " + ", ".join(sorted({type(item).__name__ for item in items} or {"-"}))
    else:
        shown = type(parsed).__name__
    steps.append(
        Step(
            name,
            int(response.status_code),
            shown,
            dict(response.headers),
            response.content.decode(errors="replace"),
        )
    )
    _expect(
        int(response.status_code) == status,
        f"{name}: expected {status}, got {int(response.status_code)}: {response.content[:300]!r}",
    )
    _expect(
        all(type(item) is model for item in items),
        f"{name}: expected the generated {model.__module__}.{model.__name__}, got {shown}",
    )
    return parsed


class _Generated:
    """The generated package's parts the scenario uses."""

    def __init__(self, package: ModuleType):
        name = package.__name__
        self.package = package
        self.models = importlib.import_module(f"{name}.models")
        self.errors = importlib.import_module(f"{name}.errors")
        self.create_user = importlib.import_module(f"{name}.api.users.create_user")
        self.get_user = importlib.import_module(f"{name}.api.users.get_user")
        self.list_users = importlib.import_module(f"{name}.api.users.list_users")


class _Scenario:
    def __init__(self, package: ModuleType, base_url: str, stateful: bool, timeout: float):
        self.gen = _Generated(package)
        self.base_url = base_url.rstrip("/")
        self.stateful = stateful
        self.timeout = timeout
        self.steps: list[Step] = []

    def call(self, name: str, operation: ModuleType, prefer: str | None = None, **kwargs):
        """One call through a new client of the generated package; ``prefer`` only against the
        mock. Returns the generated Response."""
        headers = {"Prefer": prefer} if prefer and not self.stateful else {}
        client = self.gen.package.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=self.timeout,
            raise_on_unexpected_status=True,  # a status the contract does not list fails
        )
        try:
            with client:
                return operation.sync_detailed(client=client, **kwargs)
        except self.gen.errors.UnexpectedStatus as exc:
            raise ScenarioFailed(
                f"{name}: status {exc.status_code} is not documented for this operation: "
                f"{exc.content[:300]!r}"
            ) from None

    def check(self, name: str, response, status: int, model: type) -> Any:
        return check(self.steps, name, response, status, model)

    def run(self) -> list[Step]:
        models, stateful = self.gen.models, self.stateful
        dni = "c" + secrets.token_hex(6)  # 13 characters, the longest dni the contract allows
        sent = models.UserInputRequest(dni=dni, name=NAME)

        answer = self.call("create", self.gen.create_user, body=sent)
        created = self.check("create", answer, 201, models.User)
        location = answer.headers.get("Location")
        _expect(
            location == f"/api/users/{created.id}/",
            f"create: Location is {location!r}, not the path of user {created.id}",
        )
        if stateful:
            _expect(
                (created.dni, created.name) == (dni, NAME),
                f"create: answered {created.to_dict()}, sent {sent.to_dict()}",
            )

        answer = self.call("read back", self.gen.get_user, id=created.id)
        read = self.check("read back", answer, 200, models.User)
        if stateful:
            _expect(
                read.to_dict() == created.to_dict(),
                f"read back: {read.to_dict()}, created {created.to_dict()}",
            )

        answer = self.call("list", self.gen.list_users)
        users = self.check("list", answer, 200, models.User)
        if stateful:
            _expect(
                created.to_dict() in [user.to_dict() for user in users],
                f"list: user {created.id} is not listed as created",
            )
        missing = max((user.id for user in users), default=0) + 1 if stateful else created.id + 1

        answer = self.call("missing id", self.gen.get_user, prefer="code=404", id=missing)
        error = self.check("missing id", answer, 404, models.Error)
        _expect(error.detail == NOT_FOUND, f"missing id: detail {error.detail!r}")

        answer = self.call(
            "taken dni",
            self.gen.create_user,
            prefer="code=400, example=UserAlreadyExists",
            body=sent,
        )
        refused = self.check("taken dni", answer, 400, models.ValidationError)
        _expect(refused.detail == TAKEN, f"taken dni: detail {refused.detail!r}")

        invalid = models.UserInputRequest(dni="1" * 14, name=" ")
        answer = self.call("invalid body", self.gen.create_user, body=invalid)
        refused = self.check("invalid body", answer, 400, models.ValidationError)
        if stateful:
            fields = refused.errors.to_dict() if hasattr(refused.errors, "to_dict") else {}
            _expect(
                sorted(fields) == ["dni", "name"],
                f"invalid body: errors {fields}, expected messages for dni and name",
            )
        return self.steps


def run(package: ModuleType, base_url: str, *, stateful: bool, timeout: float = 10.0) -> list[Step]:
    """Run the scenario through the generated client ``package`` against ``base_url``; return
    its steps. Raises ScenarioFailed at the first answer that breaks an expectation."""
    return _Scenario(package, base_url, stateful, timeout).run()
