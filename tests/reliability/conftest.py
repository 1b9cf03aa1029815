"""The reliability gate's own PostgreSQL: a throwaway cluster that the outage test may stop.

It never uses DATABASE_URL, so a shared database is never stopped. Every server these tests
start listens on 127.0.0.1 only, and every request loop is bounded in count and time.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import psycopg
import pytest

from harness.testing.postgres import cluster_command, server_available, throwaway_cluster


@dataclasses.dataclass
class Cluster:
    url: str
    datadir: Path

    def stop(self) -> None:
        cluster_command("stop", self.datadir)

    def start(self) -> None:
        cluster_command("start", self.datadir)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the database directly, not through the service under test."""
        with psycopg.connect(self.url, connect_timeout=5) as connection:
            return connection.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def cluster():
    if not server_available():
        pytest.skip("needs the PostgreSQL server (apt-get install postgresql)")
    with throwaway_cluster() as (url, datadir):
        yield Cluster(url, datadir)
