"""Liveness never touches the database; readiness checks the database and the migrations."""

import pytest
from django.core.management import call_command
from django.db import OperationalError

from webapp.health import checks


def test_healthz_is_ok_without_any_query(api):
    # No django_db mark: any database access here would raise and turn the answer into a 500.
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_migrated(api):
    response = api.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_unreachable(api, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused\nmore")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)
    response = api.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "database unreachable: connection to server failed: Connection refused"
    }


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_while_a_migration_is_pending(api, monkeypatch):
    monkeypatch.setattr(checks, "_migrations_applied", False)
    call_command("migrate", "users", "zero", verbosity=0)
    try:
        response = api.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "detail": "migrations pending: users.0001_initial; run the migrate command"
        }
    finally:
        call_command("migrate", "users", verbosity=0)
    assert api.get("/readyz").status_code == 200
