"""Users reads as plain functions: what the views show comes from here, never from services."""

from functools import cache
from typing import NamedTuple

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections

from webapp.db.rows import fetch_rows
from webapp.users.models import MAX_ID, User

FIELDS = ("id", "dni", "name")


class UsersPage(NamedTuple):
    """Users with consecutive ids in the table, as compact UTF-8 JSON: DRF's bytes, but for
    U+2028 and U+2029, which the view escapes (webapp.api.renderers.escape_separators)."""

    json: bytes  # their JSON objects, in id order, separated by commas, without brackets
    count: int
    last_id: int | None  # None when the page is empty


# The reads run on every GET, so they skip the ORM. Profiling showed the ORM's query building
# and model instances (with their init signals) costing about ten times the database itself:
# compiling ``User.objects.filter(pk=...).first()`` took ~240 us where the query takes ~17 us.
# The SQL's names come from the model, so a renamed table or column cannot silently diverge.
@cache
def _sql(vendor: str) -> tuple[str, str]:
    quote = connection.ops.quote_name
    meta = User._meta
    columns = {field: quote(meta.get_field(field).column) for field in FIELDS}
    table, pk = quote(meta.db_table), columns[meta.pk.name]
    select = f"SELECT {', '.join(columns.values())} FROM {table} WHERE {pk}"
    page = f"{select} > %s ORDER BY {pk} LIMIT %s"
    return (
        f"{select} = %s",
        _page_as_json_sql(page, columns, pk) if vendor == "sqlite" else page,
    )


def _page_as_json_sql(page: str, columns: dict[str, str], pk: str) -> str:
    """SQLite: one row, the page's count, its last id and its users as JSON objects.

    SQLite runs in the worker's own process, and its JSON functions write a page of 1,000 users
    in about half the CPU of reading its rows into Python and encoding them there (280 against
    580 us). It writes compact JSON and escapes a string as ``json.dumps(...,
    ensure_ascii=False)`` does, which is DRF's output but for U+2028 and U+2029 (the view escapes
    those as webapp.api.renderers does); tests/unit/test_users_list_json.py compares the two for
    every character a user's text can hold. The keys are FIELDS, in their order. SQLite before
    3.44 has no ORDER BY inside an aggregate: group_concat takes the rows in the order the
    subquery gives them, its ORDER BY on the id, a walk of the table's own b-tree (the id is the
    rowid); the tests give ids out of order to hold it.
    """
    pairs = ", ".join(f"'{field}', {column}" for field, column in columns.items())
    return f"SELECT count(*), max({pk}), group_concat(json_object({pairs}), ',') FROM ({page})"


def get_user(user_id: int) -> dict | None:
    """The user with this id as ``{"id", "dni", "name"}``, or None."""
    db = connections[DEFAULT_DB_ALIAS]  # one lookup, not one per use of the proxy
    rows = fetch_rows(db, _sql(db.vendor)[0], [user_id])
    if not rows:
        return None
    id_, dni, name = rows[0]
    return {"id": id_, "dni": dni, "name": name}


def users_page(after: int = 0, limit: int = MAX_ID) -> UsersPage:
    """Users with an id above ``after``, ordered by id, at most ``limit`` of them.

    Callers read a long list in pages of ``limit`` (keyset pagination on the primary key), so
    that no query holds a long-lived cursor or the whole table in memory. PostgreSQL sends the
    rows and orjson encodes them here: its own JSON functions cost the database 0.80 ms for a
    page of 1,000 against 0.28 ms to send the rows, and the database is the one part of the
    service that does not grow with its replicas.
    """
    db = connections[DEFAULT_DB_ALIAS]
    rows = fetch_rows(db, _sql(db.vendor)[1], [after, limit])
    if db.vendor == "sqlite":
        count, last_id, objects = rows[0]
        return UsersPage(objects.encode() if objects else b"", count, last_id)
    users = orjson.dumps([{"id": id_, "dni": dni, "name": name} for id_, dni, name in rows])
    return UsersPage(users[1:-1], len(rows), rows[-1][0] if rows else None)
