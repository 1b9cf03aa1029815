"""The stateful scenario shared by both modes: create users, follow the contract's link to read
them back, and check what a consumer relies on beyond single responses.

Schemathesis drives the scenario from the OpenAPI link ``GetCreatedUser`` (createUser 201 ->
getUser). On top of every built-in check, each step verifies:

- a user read back through the link has exactly the body its create returned;
- creating the same user again fails as documented: ``400 {"detail": "User already exists"}``,
  and the response conforms to the contract like any other.
"""

from __future__ import annotations

import hypothesis
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.stateful import get_state_machine_test

from harness.contract import settings

ALREADY_EXISTS = {"detail": "User already exists"}


class ContractViolation(AssertionError):
    pass


def machine_for(schema, *, mode: str, call_kwargs=None, isolate=None):
    """A state machine class for ``schema``.

    ``isolate`` is a context-manager factory entered at the start of every scenario and left at its
    end (the in-process mode rolls back a transaction there); ``call_kwargs`` go to every call.
    """
    base = schema.as_state_machine()

    class UsersStateMachine(base):
        failures: list[AssertionError] = []
        scenarios = 0

        def setup(self):
            UsersStateMachine.scenarios += 1
            self.created: dict[int, dict] = {}
            self._isolation = isolate() if isolate else None
            if self._isolation is not None:
                self._isolation.__enter__()

        def teardown(self):
            if self._isolation is not None:
                self._isolation.__exit__(None, None, None)

        def call(self, case, **kwargs):
            settings.CALLS[mode] += 1
            return super().call(case, **kwargs)

        def get_call_kwargs(self, case):
            return dict(call_kwargs or {})

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                self._validate(response, case, additional_checks, **kwargs)
            except AssertionError as exc:
                # Kept, so a failure is reported even if a live service's changed state makes
                # Hypothesis's replay of the scenario diverge.
                UsersStateMachine.failures.append(exc)
                raise

        def _validate(self, response, case, additional_checks=None, **kwargs):
            super().validate_response(response, case, additional_checks, **kwargs)
            operation_id = case.operation.definition.raw.get("operationId")
            if operation_id == "createUser" and response.status_code == 201:
                body = response.json()
                self.created[body["id"]] = body
                self._duplicate_create_is_refused(case, body, kwargs)
            elif operation_id == "getUser" and response.status_code == 200:
                check_read_back(case, response.json(), self.created)

        def _duplicate_create_is_refused(self, case, created, kwargs):
            settings.CALLS[mode] += 1
            again = case.call(**kwargs)
            # The second create is checked against the contract like any other response ...
            super().validate_response(again, case, None, **kwargs)
            # ... and must be the documented refusal, not a second user.
            check_refused(case, created, again)

    return UsersStateMachine


def check_read_back(case, body: dict, created: dict[int, dict]) -> None:
    """A user read back is exactly the user its create returned."""
    expected = created.get(body["id"])
    if expected is not None and body != expected:
        raise ContractViolation(
            f"GET {case.formatted_path} returned {body!r}, but the create of this user "
            f"returned {expected!r}: a user must read back exactly as created.\n"
            f"Reproduce: {case.as_curl_command()}"
        )


def check_refused(case, created: dict, again) -> None:
    """A second create with a taken dni is the documented 400, not a second user."""
    body = again.json() if again.status_code == 400 else again.text
    if again.status_code != 400 or body != ALREADY_EXISTS:
        raise ContractViolation(
            f"Creating dni {created['dni']!r} a second time answered "
            f"{again.status_code} {body!r}; the contract documents "
            f"400 {ALREADY_EXISTS!r} for a taken dni.\nReproduce (run it twice): "
            f"{case.as_curl_command()}"
        )


def _settings(max_examples: int, shrink: bool, derandomize: bool) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        stateful_step_count=10,
        derandomize=derandomize,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate, *([hypothesis.Phase.shrink] if shrink else [])],
    )


def run(machine) -> None:
    """In-process: the database is reset for every scenario, so a run is exactly reproducible:
    derandomized, and a failure is shrunk to the shortest scenario."""
    machine.run(settings=_settings(settings.STATEFUL_EXAMPLES, shrink=True, derandomize=True))


MAX_RESTARTS = 20


def run_live(machine) -> None:
    """Live: the service keeps what earlier scenarios created, so replaying a scenario can take a
    different path (a list grows, a dni is already taken). Hypothesis calls that inconsistent
    data generation; like Schemathesis's own runner, start again from the next seed, until the
    configured number of scenarios has run. Seeds are fixed (CONTRACT_SEED, +1 per restart)."""
    restarts = 0
    while machine.scenarios < settings.STATEFUL_EXAMPLES:
        remaining = settings.STATEFUL_EXAMPLES - machine.scenarios
        test = get_state_machine_test(
            machine, settings=_settings(remaining, shrink=False, derandomize=False), _min_steps=2
        )
        hypothesis.seed(settings.SEED + restarts)(test)
        try:
            test()
        except FlakyStrategyDefinition:
            if machine.failures:
                raise machine.failures[0] from None
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise
            continue
        break
    if machine.failures:
        raise machine.failures[0]
    print(f"live stateful: {machine.scenarios} scenarios, {restarts} restarts")
