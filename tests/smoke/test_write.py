"""Write checks: create a user, read it back, see it in the list.

They leave the user behind (the API has no delete). Its dni is ``smoke-`` and 7 random
characters, so smoke users are easy to recognise. SMOKE_READONLY=1 leaves these checks out.
"""

import secrets
import string

import pytest

from harness.smoke.client import DNI_PREFIX, expect, json_body

pytestmark = pytest.mark.write

ALPHABET = string.ascii_lowercase + string.digits
NAME = "Smoke Check"


def smoke_dni() -> str:
    dni = DNI_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(13 - len(DNI_PREFIX)))
    assert len(dni) == 13
    return dni


@pytest.fixture(scope="module")
def created(client):
    """The user this run creates: (its dni, the 201 response)."""
    dni = smoke_dni()
    response = client.post("/api/users/", json={"dni": dni, "name": NAME})
    expect(response, response.status_code == 201, f"201 creating a user with dni {dni!r}")
    return dni, response


def test_create_answers_the_user_and_its_location(created):
    dni, response = created
    body = json_body(response, "the created user")
    expect(
        response,
        isinstance(body, dict)
        and body.get("dni") == dni
        and body.get("name") == NAME
        and isinstance(body.get("id"), int),
        f'body {{"id": <integer>, "dni": {dni!r}, "name": {NAME!r}}}',
    )
    location = response.headers.get("Location")
    expect(
        response,
        (location or "").endswith(f"/api/users/{body['id']}/"),
        f"a Location header ending /api/users/{body['id']}/ (it is {location!r})",
    )


def test_created_user_reads_back(client, created):
    _dni, response = created
    user = response.json()
    read = client.get(response.headers["Location"])
    expect(read, read.status_code == 200, f"200 reading back the user just created ({user})")
    expect(read, json_body(read, str(user)) == user, f"the same user as created: {user}")


def test_created_user_is_in_the_list(client, created):
    _dni, response = created
    user = response.json()
    listed = client.get("/api/users/")
    expect(listed, listed.status_code == 200, "200 with the list of users")
    body = json_body(listed, "a JSON array of users")
    expect(listed, isinstance(body, list) and user in body, f"the list to contain {user}")


def test_duplicate_dni_is_refused(client, created):
    dni, _ = created
    response = client.post("/api/users/", json={"dni": dni, "name": NAME})
    expected = {"detail": "User already exists"}
    expect(response, response.status_code == 400, f"400 {expected} for a second user {dni!r}")
    expect(response, json_body(response, str(expected)) == expected, f"body {expected}")
