"""POST /api/users/: what is accepted, what is rejected, and that rejects store nothing."""

import json

import pytest

from webapp.users.models import User

pytestmark = pytest.mark.django_db


def test_create_returns_201_with_user_and_location(create):
    response = create("12345678", "Grace Hopper")
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "dni": "12345678", "name": "Grace Hopper"}
    assert response["Location"] == f"/api/users/{body['id']}/"
    assert User.objects.get(pk=body["id"]).dni == "12345678"


def test_create_without_trailing_slash_creates_without_redirect(create):
    response = create("87654321", "No Slash", path="/api/users")
    assert response.status_code == 201
    assert User.objects.filter(dni="87654321").exists()


def test_values_are_stored_exactly_as_sent(create):
    response = create(" 42 ", "  Padded  ")
    assert response.status_code == 201
    assert response.json()["dni"] == " 42 "
    assert response.json()["name"] == "  Padded  "


def test_limits_are_inclusive(create):
    assert create("d" * 13, "n" * 30).status_code == 201


def test_unicode_is_kept(create):
    response = create("ñ漢字", "Zoë Ñandú 🙂")
    assert response.status_code == 201
    assert response.json()["name"] == "Zoë Ñandú 🙂"


@pytest.mark.parametrize("text", ["\x1c", "\x1f", "\x85", "\u180e", "\u200b"])
def test_characters_the_contract_does_not_call_whitespace_are_text(create, text):
    # str.strip() removes U+001C..U+001F and U+0085; ECMA-262, and so the contract, keeps them.
    response = create(text, text)
    assert response.status_code == 201
    assert response.json()["dni"] == text


def test_duplicate_dni_gives_the_original_400_and_keeps_the_first(create):
    first = create("555", "First")
    second = create("555", "Second")
    assert second.status_code == 400
    assert second.json() == {"detail": "User already exists"}
    assert list(User.objects.values_list("id", "name")) == [(first.json()["id"], "First")]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "x"}, "dni", "This field is required."),
        ({"dni": "x"}, "name", "This field is required."),
        ({"dni": "", "name": "x"}, "dni", "Must not be blank or only whitespace."),
        ({"dni": "   ", "name": "x"}, "dni", "Must not be blank or only whitespace."),
        ({"dni": "x", "name": "\t\n\u2003"}, "name", "Must not be blank or only whitespace."),
        # U+FEFF is whitespace to ECMA-262, so to the contract's pattern (not to str.strip()).
        ({"dni": "\ufeff", "name": "x"}, "dni", "Must not be blank or only whitespace."),
        ({"dni": 12345, "name": "x"}, "dni", "Must be a string."),
        ({"dni": 1.5, "name": "x"}, "dni", "Must be a string."),
        ({"dni": True, "name": "x"}, "dni", "Must be a string."),
        ({"dni": None, "name": "x"}, "dni", "This field may not be null."),
        ({"dni": ["x"], "name": "x"}, "dni", "Must be a string."),
        ({"dni": {"a": 1}, "name": "x"}, "dni", "Must be a string."),
        ({"dni": "x", "name": 7}, "name", "Must be a string."),
        (
            {"dni": "d" * 14, "name": "x"},
            "dni",
            "Ensure this field has no more than 13 characters.",
        ),
        (
            {"dni": "x", "name": "n" * 31},
            "name",
            "Ensure this field has no more than 30 characters.",
        ),
        ({"dni": "a\x00b", "name": "x"}, "dni", "Null characters are not allowed."),
        ({"dni": "x", "name": "\x00"}, "name", "Null characters are not allowed."),
    ],
)
def test_invalid_fields_give_400_with_detail_and_errors(api, payload, field, message):
    User.objects.create(dni="kept", name="Existing")
    response = api.post("/api/users/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert message in body["errors"][field]
    assert body["detail"].startswith("Invalid input: ")
    assert f"{field}: {message}" in body["detail"]
    assert list(User.objects.values_list("dni", flat=True)) == ["kept"]


def test_unpaired_surrogate_is_rejected(post_raw):
    response = post_raw(b'{"dni": "\\ud800", "name": "x"}')
    assert response.status_code == 400
    assert response.json()["errors"]["dni"] == [
        "Must be valid Unicode text (no unpaired surrogates)."
    ]


@pytest.mark.parametrize("body", [b"[]", b'["dni", "name"]', b'"text"', b"42", b"null", b"true"])
def test_body_that_is_not_an_object_gives_400(post_raw, body):
    response = post_raw(body)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input: The request body must be a JSON object with the fields dni "
        "and name."
    }


@pytest.mark.parametrize(
    "body", [b"{", b'{"dni": "1", "name": }', b"\xff\xfe", b'{"dni": NaN, "name": "x"}']
)
def test_malformed_json_gives_400_parse_error(post_raw, body):
    response = post_raw(body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")


def test_deeply_nested_json_gives_400_not_500(post_raw, settings):
    depth = 100_000
    body = ("[" * depth + "]" * depth).encode()
    settings.MAX_REQUEST_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) + 1
    response = post_raw(body)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_empty_body_is_a_validation_error(post_raw):
    response = post_raw(b"")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"dni", "name"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"dni": "1", "name": "x"}'),
        ("application/x-www-form-urlencoded", b"dni=1&name=x"),
        ("application/xml", b"<user/>"),
        ("", b'{"dni": "1", "name": "x"}'),
    ],
)
def test_unsupported_content_type_gives_415(post_raw, content_type, body):
    response = post_raw(body, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["detail"].startswith("Unsupported media type")
    assert not User.objects.exists()


def test_oversized_body_gives_413_before_reading_it(post_raw, settings):
    body = json.dumps({"dni": "1", "name": "x" * 20_000}).encode()
    response = post_raw(body)
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"Request body too large; the limit is {settings.MAX_REQUEST_BODY_BYTES} bytes."
    }


@pytest.mark.parametrize("length", ["abc", "-1"])
def test_invalid_content_length_gives_400(post_raw, length):
    response = post_raw(b"{}", CONTENT_LENGTH=length)
    assert response.status_code == 400
    assert "Content-Length" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/", "/api/users/", "/api/users/1/", "/healthz/", "/readyz/"])
def test_every_read_gives_406_to_an_accept_without_json(api, path):
    response = api.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Could not satisfy the request Accept header."}


def test_unsatisfiable_accept_gives_406(api):
    response = api.post(
        "/api/users/", {"dni": "1", "name": "x"}, format="json", HTTP_ACCEPT="application/xml"
    )
    assert response.status_code == 406
    assert response.json() == {"detail": "Could not satisfy the request Accept header."}
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_duplicate_in_autocommit_mode_leaves_the_connection_usable(create):
    # As under the server: no surrounding transaction, so the INSERT is its own transaction.
    first = create("auto-1", "First")
    assert first.status_code == 201
    assert create("auto-1", "Second").json() == {"detail": "User already exists"}
    assert create("auto-2", "Third").status_code == 201
    assert list(User.objects.order_by("id").values_list("dni", "name")) == [
        ("auto-1", "First"),
        ("auto-2", "Third"),
    ]
