"""The rows of a read, on whichever database the service runs."""


def fetch_rows(db, sql: str, params: list) -> list[tuple]:
    """The rows of a read (SQL with ``%s`` placeholders) on a Django connection: through its
    own ``fetch_rows`` where it has one (the PostgreSQL backend, webapp/db/base.py, which skips
    the cursors' cost), else through a cursor."""
    own = getattr(db, "fetch_rows", None)
    if own is not None:
        return own(sql, params)
    return cursor_rows(db, sql, params)


def cursor_rows(db, sql: str, params: list) -> list[tuple]:
    """The rows of a read through a Django cursor."""
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
