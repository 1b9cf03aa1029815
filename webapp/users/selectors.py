"""Users reads as plain functions: what the views show comes from here, never from services."""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections

from webapp.users.models import MAX_ID, User

FIELDS = ("id", "dni", "name")


# The two reads run on every GET, so they skip the ORM. Profiling showed the ORM's query
# building and model instances (with their init signals) costing about ten times the database
# itself: compiling ``User.objects.filter(pk=...).first()`` took ~240 us where the query takes
# ~17 us. The SQL is plain and portable (SQLite and PostgreSQL), and its names come from the
# model, so a renamed table or column cannot silently diverge.
@cache
def _sql(vendor: str) -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(User._meta.get_field(field).column) for field in FIELDS)
    table = quote(User._meta.db_table)
    pk = quote(User._meta.pk.column)
    return (
        f"SELECT {columns} FROM {table} WHERE {pk} = %s",
        f"SELECT {columns} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",
    )


def get_user(user_id: int) -> dict | None:
    """The user with this id as ``{"id", "dni", "name"}``, or None."""
    db = connections[DEFAULT_DB_ALIAS]  # one lookup, not one per use of the proxy
    with db.cursor() as cursor:
        cursor.execute(_sql(db.vendor)[0], [user_id])
        row = cursor.fetchone()
    return {"id": row[0], "dni": row[1], "name": row[2]} if row else None


def list_users(after: int = 0, limit: int = MAX_ID) -> list[dict]:
    """Users with an id above ``after``, ordered by id, at most ``limit`` of them, as dicts.

    Callers read a long list in pages of ``limit`` (keyset pagination on the primary key), so
    that no query holds a long-lived cursor or the whole table in memory.
    """
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(_sql(db.vendor)[1], [after, limit])
        rows = cursor.fetchall()
    return [{"id": id_, "dni": dni, "name": name} for id_, dni, name in rows]
