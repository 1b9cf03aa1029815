"""The user id in a URL: parsed by a path converter; impossible ids answer like unused ones."""

import pytest
from django.urls import resolve, reverse

from webapp.users.converters import UserIdConverter
from webapp.users.models import MAX_ID, User
from webapp.users.views import NoSuchUserView, UserDetailView

IMPOSSIBLE_IDS = [
    "0",
    "00",
    "-1",
    "+1",
    "abc",
    "1.5",
    "1e3",
    " 1",
    "\u0661",  # an Arabic-Indic digit: int() would accept it, the converter must not
    str(MAX_ID + 1),
    "99999999999999999999999999",
]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", 1), ("42", 42), ("007", 7), (str(MAX_ID), MAX_ID)]
)
def test_digits_in_range_become_an_int(raw, expected):
    assert UserIdConverter().to_python(raw) == expected


@pytest.mark.parametrize("raw", ["0", "000", str(MAX_ID + 1), "99999999999999999999999999"])
def test_digits_out_of_range_do_not_match(raw):
    with pytest.raises(ValueError, match="no user can have the id"):
        UserIdConverter().to_python(raw)


@pytest.mark.parametrize("path", ["/api/users/5/", "/api/users/5"])
def test_a_possible_id_reaches_the_detail_view_as_an_int(path):
    match = resolve(path)
    assert match.func.view_class is UserDetailView
    assert match.kwargs == {"id": 5}


@pytest.mark.parametrize("suffix", ["/", ""])
@pytest.mark.parametrize("raw", IMPOSSIBLE_IDS)
def test_an_impossible_id_reaches_the_no_such_user_view(raw, suffix):
    assert resolve(f"/api/users/{raw}{suffix}").func.view_class is NoSuchUserView


def test_reverse_writes_the_id_as_digits():
    assert reverse("user-detail", kwargs={"id": 7}) == "/api/users/7/"


def _answer(response) -> tuple:
    return (
        response.status_code,
        response.content,
        response.get("Content-Type"),
        response.get("Allow"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["/", ""])
@pytest.mark.parametrize("raw", IMPOSSIBLE_IDS)
@pytest.mark.parametrize(
    ("method", "accept"),
    [("get", "*/*"), ("get", "application/json; indent=2"), ("get", "text/html"), ("put", "*/*")],
)
def test_an_impossible_id_answers_exactly_like_an_unused_one(api, raw, suffix, method, accept):
    User.objects.create(dni="1", name="one")
    unused = getattr(api, method)(f"/api/users/999{suffix}", HTTP_ACCEPT=accept)
    impossible = getattr(api, method)(f"/api/users/{raw}{suffix}", HTTP_ACCEPT=accept)
    assert _answer(impossible) == _answer(unused)
    assert unused.status_code in (404, 405, 406)


@pytest.mark.django_db
def test_unknown_user_and_unknown_path_give_the_same_404_json(api):
    user_404 = api.get("/api/users/abc/")
    path_404 = api.get("/api/nope/")
    assert user_404.json() == path_404.json() == {"detail": "Not found."}
    assert user_404["Content-Type"] == path_404["Content-Type"] == "application/json"
    # Byte for byte the same: errors answered outside DRF are written as DRF writes them.
    assert user_404.content == path_404.content == b'{"detail":"Not found."}'
