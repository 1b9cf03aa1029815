"""The users app's label changed from "api" to "users": old databases migrate and keep their data.

A database migrated before the change has the table api_user and records the app's migration as
api.0001_initial. Under the new label the same migration is users.0001_initial, which replaces
api.0001_initial, so ``migrate`` finds it applied rather than creating the table again.
"""

import pytest
from django.core.management import call_command
from django.db import connection, migrations, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

from webapp.health import checks

# The app's initial migration as the old code had it: app label "api", so the table name
# api_user came from the label, not from Meta.db_table.
OLD_INITIAL = migrations.CreateModel(
    name="User",
    fields=[
        (
            "id",
            models.BigAutoField(
                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
        ("dni", models.CharField(max_length=13, unique=True)),
        ("name", models.CharField(max_length=30)),
    ],
    options={"ordering": ["id"]},
)


def write_old_label_database():
    """The users table and migration history exactly as the old label's migrate wrote them."""
    old = migrations.Migration("0001_initial", "api")
    old.operations = [OLD_INITIAL]
    with connection.schema_editor() as editor:
        old.apply(ProjectState(), editor)
    MigrationRecorder(connection).record_applied("api", "0001_initial")


def applied() -> set[tuple[str, str]]:
    return set(MigrationRecorder(connection).applied_migrations())


def pending() -> list:
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_a_fresh_database_records_the_migration_under_both_labels():
    # The old label's row is what lets the previous release, rolled back to, find its history.
    assert {("users", "0001_initial"), ("api", "0001_initial")} <= applied()
    assert pending() == []


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_old_label_migrates_and_keeps_its_users(api, monkeypatch):
    call_command("migrate", "users", "zero", verbosity=0)
    try:
        assert "api_user" not in connection.introspection.table_names()
        write_old_label_database()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO api_user (dni, name) VALUES ('0102', 'Ada Lovelace')")
            cursor.execute("SELECT id FROM api_user WHERE dni = '0102'")
            (user_id,) = cursor.fetchone()
        assert ("users", "0001_initial") not in applied()
        # Already counted as applied: nothing to do, and a process of the new code is ready.
        assert pending() == []
        monkeypatch.setattr(checks, "_migrations_applied", False)
        assert checks.readiness_problem() is None

        call_command("migrate", verbosity=0)

        assert {("users", "0001_initial"), ("api", "0001_initial")} <= applied()
        response = api.get(f"/api/users/{user_id}/")
        assert response.status_code == 200
        assert response.json() == {"id": user_id, "dni": "0102", "name": "Ada Lovelace"}
        assert (
            api.post("/api/users/", {"dni": "0103", "name": "Next"}, format="json").status_code
            == 201
        )
    finally:
        call_command("migrate", verbosity=0)  # whatever happened, later tests get their table
