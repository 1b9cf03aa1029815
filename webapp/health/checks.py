"""Readiness checks: can this process serve API requests right now?"""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from webapp.api import messages

# Once every migration is applied it stays applied, so a process only pays for the migration
# graph until the first successful check.
_migrations_applied = False


def database_problem() -> str | None:
    """None when the database answers a query, else why not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return messages.database_unreachable(first_line)
    return None


def pending_migrations() -> list[str]:
    global _migrations_applied
    if _migrations_applied:
        return []
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    _migrations_applied = not pending
    return pending


def readiness_problem() -> str | None:
    problem = database_problem()
    if problem:
        return problem
    try:
        pending = pending_migrations()
    except DatabaseError as exc:
        return messages.database_unreachable(str(exc))
    if pending:
        return messages.migrations_pending(pending)
    return None
