"""Users reads as plain functions: what the views show comes from here, never from services."""

from functools import cache
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections

from webapp.users.models import MAX_ID, User

FIELDS = ("id", "dni", "name")


class UsersPage(NamedTuple):
    """Users with consecutive ids in the table, as JSON the database wrote."""

    json: str  # their JSON objects, in id order, separated by commas, without brackets
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
    return (
        f"SELECT {', '.join(columns.values())} FROM {table} WHERE {pk} = %s",
        _page_as_json_sql(
            vendor,
            columns,
            f"FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",
            quote(meta.pk.name),
        ),
    )


def _page_as_json_sql(vendor: str, columns: dict[str, str], page: str, pk: str) -> str:
    """SQL giving one row: the page's count, its last id and its users as JSON objects.

    The database writes the JSON: the profile of the list of 1,000 showed reading rows into
    Python (tuples, then dicts) and encoding them again taking twice what the database's own
    JSON functions take for the same page. Both databases write compact JSON and escape a string
    as ``json.dumps(..., ensure_ascii=False)`` does, which is DRF's output but for U+2028 and
    U+2029 (webapp.api.renderers escapes those); tests/unit/test_users_list_json.py compares the
    two for every character a user's text can hold. The keys are FIELDS, in their order.
    """
    quote = connection.ops.quote_name
    aliased = ", ".join(f"{column} AS {quote(field)}" for field, column in columns.items())
    if vendor == "postgresql":
        # row_to_json takes the keys from the aliases and writes no spaces (json_build_object
        # would put them around each colon); string_agg takes the rows in the order it names.
        objects = f"string_agg(row_to_json(u)::text, ',' ORDER BY u.{pk})"
    else:
        # SQLite before 3.44 has no ORDER BY inside an aggregate: group_concat takes the rows
        # in the order the subquery gives them, which is its ORDER BY on the id, a walk of the
        # table's own b-tree (the id is the rowid). The tests insert ids out of order to hold it.
        pairs = ", ".join(f"'{field}', {quote(field)}" for field in columns)
        objects = f"group_concat(json_object({pairs}), ',')"
    return f"SELECT count(*), max(u.{pk}), {objects} FROM (SELECT {aliased} {page}) u"


def get_user(user_id: int) -> dict | None:
    """The user with this id as ``{"id", "dni", "name"}``, or None."""
    db = connections[DEFAULT_DB_ALIAS]  # one lookup, not one per use of the proxy
    with db.cursor() as cursor:
        cursor.execute(_sql(db.vendor)[0], [user_id])
        row = cursor.fetchone()
    return {"id": row[0], "dni": row[1], "name": row[2]} if row else None


def users_page(after: int = 0, limit: int = MAX_ID) -> UsersPage:
    """Users with an id above ``after``, ordered by id, at most ``limit`` of them.

    Callers read a long list in pages of ``limit`` (keyset pagination on the primary key), so
    that no query holds a long-lived cursor or the whole table in memory.
    """
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(_sql(db.vendor)[1], [after, limit])
        count, last_id, objects = cursor.fetchone()
    return UsersPage(objects or "", count, last_id)
