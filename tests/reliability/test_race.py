"""Racing creates of one dni across several server workers: one row, one 201, no 5xx."""

import threading
import uuid

import requests

from harness.testing.live_server import LiveServer

ROUNDS = 6
RACERS = 16


def race(url: str, dni: str) -> list[tuple[int, object]]:
    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, object]] = []
    lock = threading.Lock()

    def racer(index: int) -> None:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            try:
                response = session.post(
                    url + "/api/users/", json={"dni": dni, "name": f"racer {index}"}, timeout=30
                )
                outcome = (response.status_code, response.json())
            except (requests.RequestException, ValueError) as exc:
                outcome = (0, f"{type(exc).__name__}: {exc}")
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_racing_creates_of_one_dni_give_one_row_and_one_201(cluster):
    problems = []
    with LiveServer(database_url=cluster.url, workers=4, threads=4) as server:
        for round_ in range(ROUNDS):
            dni = f"race{round_}-{uuid.uuid4().hex[:7]}"
            results = race(server.url, dni)
            statuses = sorted(status for status, _ in results)
            rows = cluster.query("SELECT count(*) FROM api_user WHERE dni = %s", (dni,))[0][0]
            refusals = [body for status, body in results if status == 400]
            if statuses != [201] + [400] * (RACERS - 1):
                problems.append(f"dni {dni}: statuses {statuses} (expected one 201, the rest 400)")
            if any(body != {"detail": "User already exists"} for body in refusals):
                problems.append(f"dni {dni}: 400 bodies {refusals[:3]}")
            if rows != 1:
                problems.append(f"dni {dni}: {rows} rows in the database, expected 1")
        log = server.log()
    print(f"{ROUNDS} rounds of {RACERS} racing creates against 4 workers x 4 threads")
    assert not problems, "\n".join(problems) + f"\n--- server log (tail) ---\n{log[-3000:]}"
