"""The list's JSON, written by SQLite itself or by orjson from PostgreSQL's rows, is byte for
byte what DRF's JSONRenderer writes."""

import random

import pytest
from rest_framework.renderers import JSONRenderer

from webapp.users import selectors
from webapp.users.models import DNI_MAX_LENGTH, NAME_MAX_LENGTH, User

pytestmark = pytest.mark.django_db

# Every character a user's text can hold: all of Unicode but NUL (refused by the API, and by
# PostgreSQL) and the surrogates (not characters; refused by the API and by UTF-8).
CHARACTERS = "".join(chr(c) for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF)
# In four lists, each body well under what the contract-coverage gate records (4 MiB).
SLICES = 4


def drf_list() -> bytes:
    return JSONRenderer().render(list(User.objects.order_by("id").values(*selectors.FIELDS)))


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def valid_user(id_: int, text: str) -> User:
    """A user holding TEXT, as the API could have stored it: a letter first, so that no field is
    only whitespace, within the lengths the contract documents."""
    dni, name = text[: DNI_MAX_LENGTH - 1], text[DNI_MAX_LENGTH - 1 :]
    assert len(name) < NAME_MAX_LENGTH
    return User(id=id_, dni=f"d{dni}", name=f"n{name}")


@pytest.mark.parametrize("part", range(SLICES))
def test_every_character_a_user_can_hold_is_written_as_drf_writes_it(api, part):
    characters = CHARACTERS[part::SLICES]
    step = DNI_MAX_LENGTH + NAME_MAX_LENGTH - 2
    texts = [characters[i : i + step] for i in range(0, len(characters), step)]
    # Ids given out of order, with gaps: the database's order of insertion is not the list's.
    ids = random.Random(part).sample(range(1, 3 * len(texts)), len(texts))
    User.objects.bulk_create(valid_user(id_, text) for id_, text in zip(ids, texts, strict=True))
    response = api.get("/api/users/")
    assert response.status_code == 200
    assert body_of(response) == drf_list()


@pytest.mark.parametrize("text", ['"', "\\", "\b\f\n\r\t", "\x01\x1f\x7f", "\u2028\u2029", "é€😀"])
def test_characters_json_escapes_are_written_as_drf_writes_them(api, text):
    User.objects.create(id=7, dni=f"d{text}", name=f"a{text}b")
    User.objects.create(id=3, dni="3", name=f"{text * 2}c")
    assert api.get("/api/users/").content == drf_list()


def test_a_page_counts_its_users_and_names_the_last(api):
    for id_ in (9, 2, 5, 4):
        User.objects.create(id=id_, dni=f"d{id_}", name="n")
    assert selectors.users_page(after=2, limit=2) == selectors.UsersPage(
        b'{"id":4,"dni":"d4","name":"n"},{"id":5,"dni":"d5","name":"n"}', 2, 5
    )
    assert selectors.users_page(after=9) == selectors.UsersPage(b"", 0, None)
