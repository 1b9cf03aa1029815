"""The embedded SQLite database runs in write-ahead-log mode, without an fsync per commit."""

import os
import subprocess
import sys

from harness.common.paths import ROOT

CHECK = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    print(cursor.fetchone()[0])
    cursor.execute("PRAGMA synchronous")
    print(cursor.fetchone()[0])
"""


def test_sqlite_connections_use_wal_and_synchronous_normal(tmp_path):
    # A fresh interpreter with the default SQLite file, whatever database this test run uses.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_ENV="local", DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="webapp.settings")
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]  # synchronous=1 is NORMAL
