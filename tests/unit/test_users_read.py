"""GET /api/users/ and GET /api/users/{id}/."""

import pytest

from webapp.users.models import User

pytestmark = pytest.mark.django_db


def test_list_is_a_json_array_ordered_by_id(api):
    users = [User.objects.create(dni=f"d{i}", name=f"n{i}") for i in range(3)]
    response = api.get("/api/users/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [{"id": u.pk, "dni": u.dni, "name": u.name} for u in users]


def test_empty_list(api):
    assert api.get("/api/users").json() == []


@pytest.mark.parametrize("path", ["/api/users/{id}/", "/api/users/{id}"])
def test_get_one(api, path):
    user = User.objects.create(dni="123", name="Linus")
    response = api.get(path.format(id=user.pk))
    assert response.status_code == 200
    assert response.json() == {"id": user.pk, "dni": "123", "name": "Linus"}


@pytest.mark.parametrize(
    "raw_id",
    [
        "999",
        "0",
        "-1",
        "abc",
        "1.5",
        "1e3",
        "%20",
        "\u0661",  # an Arabic-Indic digit: int() would accept it, the API must not
        "9223372036854775808",  # one past the largest 64-bit id
        "99999999999999999999999999",
    ],
)
def test_unknown_or_impossible_ids_give_the_same_404(api, raw_id):
    User.objects.create(dni="1", name="one")
    response = api.get(f"/api/users/{raw_id}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_largest_id_is_a_plain_404(api):
    assert api.get("/api/users/9223372036854775807/").status_code == 404


def test_api_root_links_to_users(api):
    response = api.get("/api/")
    assert response.status_code == 200
    assert response.json() == {"users": "http://testserver/api/users/"}
    assert api.get("/api").json() == response.json()


@pytest.mark.parametrize("path", ["/api/users/{id}/", "/api/users/"])
def test_indent_parameter_still_pretty_prints(api, path):
    user = User.objects.create(dni="7", name="Indented")
    response = api.get(path.format(id=user.pk), HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert response.content.startswith((b'{\n  "id": ', b'[\n  {\n    "id": '))
    assert response["Content-Type"] == "application/json"
