"""Each overlay's configuration is accepted by the real settings and webapp/server.py.

The ConfigMap's values, plus stand-in secrets, go into a fresh interpreter that loads
webapp.settings and the server's settings exactly as the container does; a value the code rejects (a
boolean spelled wrong, a port that is not a number) fails here, not in the cluster.
"""

import json
import subprocess
import sys

import pytest

from harness.manifests import checks, objects
from harness.manifests.render import ROOT

PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "webapp.settings"
import django
django.setup()
from django.conf import settings
from webapp.server import granian_environment
server = granian_environment({})
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "bind": server["GRANIAN_HOST"] + ":" + server["GRANIAN_PORT"],
    "workers": int(server["GRANIAN_WORKERS"]),
    "graceful_timeout": int(server["GRANIAN_WORKERS_KILL_TIMEOUT"]),
}))
"""
STAND_INS = {
    "DJANGO_SECRET_KEY": "stand-in-for-the-pipeline-secret-" + "x" * 20,
    "DATABASE_URL": "postgresql://users:stand-in@users-api-postgres:5432/users",
}


@pytest.mark.parametrize("name", ["dev", "prd", "local"])
def test_overlay_config_loads_in_the_real_settings(variants, name):
    v = variants[name]
    deployment = v.get("Deployment", "users-api")
    path, container = checks.containers(deployment, init=False)[0]
    values = objects.env_values(v, container)
    env = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({k: val for k, val in values.items() if val is not None})
    env.update({k: STAND_INS[k] for k, val in values.items() if val is None})
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"{name}: Deployment/users-api: {path}.env is rejected by the app's settings:\n"
        f"{result.stderr[-3000:]}"
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{name}: {loaded}")
    assert loaded["DEBUG"] is False, f"{name}: DEBUG is on"
    assert loaded["ENGINE"] == "webapp.db"  # Django's PostgreSQL, every wait bounded
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert loaded["graceful_timeout"] < grace, (
        f"{name}: Deployment/users-api: spec.template.spec.terminationGracePeriodSeconds {grace} "
        f"does not cover the server's graceful timeout {loaded['graceful_timeout']}"
    )
