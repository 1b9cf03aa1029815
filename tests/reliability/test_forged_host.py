"""A forged Host header, on the real server: 400 JSON on every path of the API, the probes
answered whatever the Host (the kubelet calls them by the pod's address)."""

import requests

from harness.testing.live_server import LiveServer

EXPECTED = {
    ("GET", "/api/"): 400,
    ("GET", "/api/users/"): 400,
    ("GET", "/api/users/1/"): 400,
    ("POST", "/api/users/"): 400,
    ("GET", "/api/schema/"): 400,
    ("GET", "/api/docs/"): 400,
    ("GET", "/nope"): 400,
    ("GET", "/healthz"): 200,
    ("GET", "/readyz"): 200,
}


def test_a_forged_host_is_refused_on_every_path_but_the_probes():
    with LiveServer(workers=1) as server:
        seen = {}
        for (method, path), _expected in EXPECTED.items():
            response = requests.request(
                method,
                server.url + path,
                headers={"Host": "evil.example"},
                json={"dni": "forged", "name": "Forged"} if method == "POST" else None,
                timeout=10,
            )
            seen[(method, path)] = response
        users = requests.get(server.url + "/api/users/", timeout=10).json()
    print("forged Host: " + ", ".join(f"{m} {p} {r.status_code}" for (m, p), r in seen.items()))
    problems = [
        f"{method} {path} with Host evil.example: {seen[(method, path)].status_code}, "
        f"expected {expected}"
        for (method, path), expected in EXPECTED.items()
        if seen[(method, path)].status_code != expected
    ]
    problems += [
        f"{m} {p}: not a JSON {{'detail'}} body: {r.text[:100]}"
        for (m, p), r in seen.items()
        if r.status_code == 400 and set(r.json()) != {"detail"}
    ]
    if any(u["dni"] == "forged" for u in users):
        problems.append("a create with a forged Host was stored")
    assert not problems, "\n".join(problems)
