"""Racing creates of one dni: one 201, the rest 400, no 500 (real threads, real database)."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from webapp.users.models import User

RACERS = 16


@pytest.mark.django_db(transaction=True)
def test_racing_creates_of_one_dni_give_one_201(settings):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL for real concurrent writers: set DATABASE_URL "
            "(python3 scripts/local_postgres.py start DIR prints one)"
        )
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []
    bodies: list[dict] = []
    lock = threading.Lock()

    def racer(index: int) -> None:
        client = APIClient()
        try:
            barrier.wait(timeout=30)
            response = client.post(
                "/api/users/", {"dni": "RACE-1", "name": f"racer {index}"}, format="json"
            )
            with lock:
                statuses.append(response.status_code)
                bodies.append(response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [201] + [400] * (RACERS - 1), statuses
    assert bodies.count({"detail": "User already exists"}) == RACERS - 1
    assert User.objects.filter(dni="RACE-1").count() == 1
