"""A long list is streamed page by page, with exactly the body a single response would have."""

import json
import sqlite3

import pytest
import requests
from django.db import OperationalError
from rest_framework.renderers import JSONRenderer

from harness.testing.live_server import LiveServer
from webapp.users import selectors, views
from webapp.users.models import User

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def page_size(monkeypatch):
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 3)
    return 3


def expected_body(users) -> bytes:
    return JSONRenderer().render([{"id": u.pk, "dni": u.dni, "name": u.name} for u in users])


@pytest.mark.parametrize("count", [2, 3, 4, 6, 7, 10])
def test_any_length_gives_the_same_json_array(api, page_size, count):
    users = [User.objects.create(dni=f"d{i}", name=f"n\u2028{i}") for i in range(count)]
    response = api.get("/api/users/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET, HEAD, POST"
    assert response.streaming is (count >= page_size)
    assert body_of(response) == expected_body(users)


def test_pages_are_read_by_id_not_by_offset(api, page_size, django_assert_num_queries):
    users = [User.objects.create(dni=f"d{i}", name="n") for i in range(7)]
    users[1].delete()  # a gap in the ids must not shift or repeat anything
    users[4].delete()
    response = api.get("/api/users/")
    with django_assert_num_queries(1):  # 5 users in pages of 3: the view read the first page
        body = body_of(response)
    assert [user["id"] for user in json.loads(body)] == [u.pk for u in users if u.pk]


def test_an_indented_long_list_is_one_ordinary_response(api, page_size):
    users = [User.objects.create(dni=f"d{i}", name="n") for i in range(5)]
    response = api.get("/api/users/", HTTP_ACCEPT="application/json; indent=2")
    assert not response.streaming
    data = [{"id": u.pk, "dni": u.dni, "name": u.name} for u in users]
    assert response.content == JSONRenderer().render(data, "application/json; indent=2")


def test_a_database_failure_before_the_first_byte_is_still_503(api, page_size, monkeypatch):
    for i in range(5):
        User.objects.create(dni=f"d{i}", name="n")

    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "users_page", unavailable)
    response = api.get("/api/users/")
    assert response.status_code == 503


def test_a_database_failure_mid_stream_is_logged_and_cuts_the_body(
    api, page_size, monkeypatch, caplog
):
    for i in range(5):
        User.objects.create(dni=f"d{i}", name="n")
    response = api.get("/api/users/")
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(b"[{")

    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "users_page", unavailable)
    with pytest.raises(OperationalError):
        next(chunks)
    assert "cut short" in caplog.text


def test_one_user_and_the_list_carry_the_same_headers_as_before(api):
    user = User.objects.create(dni="1", name="one")
    for path, allow in [
        ("/api/users/", "GET, HEAD, POST"),
        (f"/api/users/{user.pk}/", "GET, HEAD"),
    ]:
        response = api.get(path)
        assert response["Allow"] == allow
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_server_streams_a_long_list_whole_and_in_order():
    count = views.LIST_PAGE_SIZE * 2 + 7
    with LiveServer(workers=1) as server:
        with sqlite3.connect(server.data_dir / "db.sqlite3") as db:
            db.executemany(
                "INSERT INTO api_user (dni, name) VALUES (?, ?)",
                [(f"s{i}", f"Streamed {i}") for i in range(count)],
            )
        response = requests.get(server.url + "/api/users/", timeout=60)
    assert response.status_code == 200
    assert response.headers["Transfer-Encoding"] == "chunked"
    users = response.json()
    assert [user["dni"] for user in users] == [f"s{i}" for i in range(count)]
    assert [user["id"] for user in users] == sorted(user["id"] for user in users)


def test_a_page_is_the_users_after_an_id_in_id_order():
    for id_ in (9, 2, 5, 4):
        User.objects.create(id=id_, dni=f"d{id_}", name="n")
    assert selectors.users_page(after=2, limit=2) == [
        {"id": 4, "dni": "d4", "name": "n"},
        {"id": 5, "dni": "d5", "name": "n"},
    ]
    assert selectors.users_page(after=9) == []
