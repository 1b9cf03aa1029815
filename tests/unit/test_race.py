"""Racing creates of one dni: one 201, the rest 400, no 500.

Real concurrency: several client threads against the real server with several workers, on a
real PostgreSQL. Only the database's unique constraint can make this pass.
"""

import threading
import uuid

import requests

from harness.testing.live_server import LiveServer

RACERS = 24


def test_racing_creates_of_one_dni_give_one_201(postgres_url):
    dni = "R" + uuid.uuid4().hex[:12]
    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    with LiveServer(database_url=postgres_url, workers=4, threads=4) as server:

        def racer(index: int) -> None:
            with requests.Session() as session:
                barrier.wait(timeout=30)
                response = session.post(
                    server.url + "/api/users/", json={"dni": dni, "name": f"r{index}"}, timeout=30
                )
                with lock:
                    results.append((response.status_code, response.json()))

        threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        listed = requests.get(server.url + "/api/users/", timeout=30).json()

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [400] * (RACERS - 1), statuses
    assert [body for status, body in results if status == 400] == [
        {"detail": "User already exists"}
    ] * (RACERS - 1)
    assert [user["dni"] for user in listed].count(dni) == 1
