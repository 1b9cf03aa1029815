"""A check the contract needs on top of Schemathesis's own.

``positive_data_acceptance`` expects schema-valid data to be accepted. A dni is unique, and the
schema cannot express uniqueness: a schema-valid create for a dni that is already taken is
refused with the documented ``400 {"detail": "User already exists"}``. So for createUser only,
400 is configured as an allowed answer to valid data (``settings.py``), and this check takes
over the part that configuration gives up: a valid create may be refused with 400 only when it is
exactly that documented refusal and the dni really is taken. Any other 400 to valid data (say, a
validator stricter than the contract) still fails.
"""

from __future__ import annotations

import schemathesis
from schemathesis.core.failures import Failure

ALREADY_EXISTS = {"detail": "User already exists"}


class ValidCreateRefused(Failure):
    kind_title = "Schema-valid create refused for a reason other than a taken dni"

    @property
    def _unique_key(self) -> str:
        return self.message


def _operation_id(case) -> str | None:
    return case.operation.definition.raw.get("operationId")


@schemathesis.check
def only_a_taken_dni_refuses_a_valid_create(ctx, response, case):
    if _operation_id(case) != "createUser" or response.status_code != 400:
        return None
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return None
    try:
        body = response.json()
    except ValueError:
        body = response.text
    dni = case.body.get("dni")
    if body != ALREADY_EXISTS:
        raise ValidCreateRefused(
            operation=case.operation.label,
            message=(
                f"The contract accepts this body, but the service answered 400 {body!r}. "
                f"Only a taken dni may refuse a valid create, with 400 {ALREADY_EXISTS!r}."
            ),
        )
    listing = case.operation.schema["/api/users/"]["GET"].Case()
    users = listing.call(**(ctx.internals.transport_kwargs or {})).json()
    if not any(user.get("dni") == dni for user in users):
        raise ValidCreateRefused(
            operation=case.operation.label,
            message=f"The service said dni {dni!r} is taken, but no listed user has it.",
        )
    return True
