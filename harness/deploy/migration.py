"""The migration Job: replaced (a Job is immutable), applied, and waited for; the rollout of the
API starts only once it has succeeded."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from harness.deploy.kubectl import DeployError, Kubectl, say
from harness.deploy.overlay import as_list

POLL_SECONDS = 3


def migrate(kubectl: Kubectl, job: dict, namespace: str, timeout: float) -> None:
    name = job["metadata"]["name"]
    kubectl.change("delete", "job", name, "-n", namespace, "--ignore-not-found", "--wait")
    kubectl.change("apply", "-n", namespace, "-f", "-", stdin=json.dumps(as_list([job])))
    wait_for_job(kubectl, name, namespace, timeout)


def wait_for_job(kubectl: Kubectl, name: str, namespace: str, timeout: float) -> None:
    say(f"waiting up to {timeout:.0f}s for the migration Job {name} to succeed")
    if kubectl.dry_run:
        return
    deadline = time.monotonic() + timeout
    while True:
        status = json.loads(kubectl.read("get", "job", name, "-n", namespace, "-o", "json"))
        conditions = {
            c["type"]: c["status"] for c in status.get("status", {}).get("conditions", [])
        }
        if conditions.get("Complete") == "True":
            say(f"migration Job {name} succeeded")
            return
        if conditions.get("Failed") == "True" or time.monotonic() > deadline:
            logs = subprocess.run(
                [kubectl.binary, "logs", f"job/{name}", "-n", namespace, "--tail=50"],
                capture_output=True,
                text=True,
                check=False,
            )
            print(logs.stdout + logs.stderr, file=sys.stderr)
            why = "failed" if conditions.get("Failed") == "True" else f"timed out ({timeout:.0f}s)"
            raise DeployError(f"migration Job {name} {why}; the rollout was not started")
        time.sleep(POLL_SECONDS)
