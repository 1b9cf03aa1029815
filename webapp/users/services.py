"""Users use cases as plain functions; views only translate HTTP to and from these."""

import re

from django.db import IntegrityError, transaction

from webapp.users.models import User

# BigAutoField: the largest id the database can hold (PostgreSQL bigint, SQLite integer).
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")


class UserAlreadyExists(Exception):
    """Another user already has this dni."""


def parse_user_id(raw: str) -> int | None:
    """The id in a URL, or None when it cannot name a stored user (so the caller answers 404)."""
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    if not 1 <= value <= MAX_ID:
        return None
    return value


def create_user(*, dni: str, name: str) -> User:
    """Insert a user; the unique constraint on dni decides races, not a prior lookup."""
    try:
        with transaction.atomic():
            return User.objects.create(dni=dni, name=name)
    except IntegrityError as exc:
        raise UserAlreadyExists(dni) from exc


def list_users():
    return User.objects.order_by("id")


def get_user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()
