"""URLs as people may see them: never with a password in them."""

import urllib.parse


def without_password(url: str) -> str:
    """The URL with its password, if any, replaced by ***."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def describe_database(database_url: str) -> str:
    """Which database a gate runs on, in words: the embedded SQLite, or the PostgreSQL named."""
    if is_postgresql(database_url):
        return f"PostgreSQL at {without_password(database_url)} (DATABASE_URL)"
    if database_url:
        return f"{without_password(database_url)} (DATABASE_URL)"
    return "SQLite, the embedded default (DATABASE_URL is not set)"
