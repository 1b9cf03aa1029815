"""The image's HEALTHCHECK: healthy when GET /readyz answers 200 (standard library only).

Ready means the database answers and no migration is pending. The request carries a Host
header the service accepts (the first entry of DJANGO_ALLOWED_HOSTS), so the check keeps
working when an operator narrows the allowed hosts. Exit 0 = healthy, 1 = unhealthy.
"""

import http.client
import os
import sys


def _host() -> str:
    for entry in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        entry = entry.strip().lstrip(".")
        if entry and entry != "*":
            return entry
    return "localhost"


def main() -> int:
    port = int(os.environ.get("PORT") or 8000)
    path = os.environ.get("HEALTHCHECK_PATH", "/readyz")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2.5)
    try:
        connection.request("GET", path, headers={"Host": _host(), "Accept": "application/json"})
        response = connection.getresponse()
        body = response.read(300).decode("utf-8", "replace")
    except OSError as exc:
        print(f"unhealthy: GET {path} failed: {exc}")
        return 1
    finally:
        connection.close()
    if response.status != 200:
        print(f"unhealthy: GET {path} answered {response.status}: {body}")
        return 1
    print(f"healthy: GET {path} answered 200")
    return 0


if __name__ == "__main__":
    sys.exit(main())
