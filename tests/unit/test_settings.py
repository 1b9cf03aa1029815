"""Settings come from the environment, parse strictly, and refuse unsafe production defaults."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from harness.common.paths import ROOT
from webapp.env import env_bool, env_int, env_list
from webapp.server import granian_environment


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("False", False),
        ("false", False),
        ("0", False),
        ("no", False),
        ("", False),
        ("True", True),
        ("1", True),
        ("on", True),
        (" YES ", True),
    ],
)
def test_env_bool_parses_real_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


def test_env_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env_bool("X_FLAG")


def test_env_bool_default(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env_bool("X_FLAG", True) is True


def test_env_int(monkeypatch):
    monkeypatch.setenv("X_INT", "7")
    assert env_int("X_INT", 1) == 7
    monkeypatch.setenv("X_INT", "seven")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_INT", 1, minimum=1)
    monkeypatch.setenv("X_INT", " ")
    assert env_int("X_INT", 3) == 3


def test_env_list(monkeypatch):
    monkeypatch.setenv("X_LIST", " a.example, ,b.example ")
    assert env_list("X_LIST") == ["a.example", "b.example"]


def _run_without_settings(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python with ARGS in the checkout, with no DJANGO_* or DATABASE_URL but ENV."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def _settings_in_subprocess(code: str, **env: str) -> subprocess.CompletedProcess:
    setup = "import django; django.setup(); from django.conf import settings; "
    return _run_without_settings(
        ["-c", setup + code], **{**env, "DJANGO_SETTINGS_MODULE": "webapp.settings"}
    )


def test_debug_false_string_means_off(tmp_path):
    result = _settings_in_subprocess(
        "print(settings.DEBUG)", DJANGO_ENV="local", DJANGO_DEBUG="False", DATA_DIR=str(tmp_path)
    )
    assert result.stdout.strip() == "False", result.stderr


def test_debug_defaults_off(tmp_path):
    result = _settings_in_subprocess(
        "print(settings.DEBUG)", DJANGO_ENV="local", DATA_DIR=str(tmp_path)
    )
    assert result.stdout.strip() == "False", result.stderr


def test_default_database_is_sqlite_in_data_dir(tmp_path):
    result = _settings_in_subprocess(
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])",
        DJANGO_ENV="local",
        DATA_DIR=str(tmp_path),
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", str(tmp_path / "db.sqlite3")]


def test_database_url_selects_postgresql_with_connect_timeout(tmp_path):
    result = _settings_in_subprocess(
        "d = settings.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], "
        "d['OPTIONS']['connect_timeout'], d['CONN_HEALTH_CHECKS'])",
        DJANGO_ENV="local",
        DATABASE_URL="postgresql://u:p@db.internal:5433/users",
    )
    assert result.stdout.split() == [
        "webapp.db",
        "db.internal",
        "5433",
        "users",
        "3",
        "True",
    ], result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _settings_in_subprocess("print('started')", DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_unknown_environment_name_is_refused(tmp_path):
    result = _settings_in_subprocess(
        "print('started')", DJANGO_ENV="staging", DATA_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "DJANGO_ENV='staging' is not one of: local, production" in result.stderr


def _server(env: dict, tmp_path) -> subprocess.CompletedProcess:
    """webapp/server.py, which stops before it starts granian when the settings are unusable."""
    return _run_without_settings(
        ["-c", "import sys, webapp.server as s; sys.exit(s.main())"],
        **{**env, "DATA_DIR": str(tmp_path), "SERVER_BIND": "127.0.0.1:0"},
    )


def test_the_server_refuses_to_start_without_secret_key_in_one_line(tmp_path):
    result = _server({}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DJANGO_SECRET_KEY is not set; set it to a long random value "
        "(or DJANGO_ENV=local for a throwaway key on a developer machine)"
    ]


def test_the_server_settings_come_from_the_environment():
    env = {
        "PORT": "9001",
        "SERVER_THREADS": "2",
        "SERVER_WORKERS_LIFETIME": "3600",
        "GRANIAN_LOG_LEVEL": "warning",
    }
    granian = granian_environment(env, cpus=1)
    assert (granian["GRANIAN_HOST"], granian["GRANIAN_PORT"]) == ("0.0.0.0", "9001")
    assert granian["GRANIAN_INTERFACE"] == "wsgi"
    assert granian["GRANIAN_WORKERS"] == "3"  # min(4, 2 x CPUs + 1)
    assert granian["GRANIAN_BLOCKING_THREADS"] == "2"
    assert granian["GRANIAN_WORKERS_LIFETIME"] == "3600"
    assert granian["GRANIAN_WORKERS_KILL_TIMEOUT"] == "25"
    assert granian["GRANIAN_LOG_LEVEL"] == "warning"  # an operator's own setting is kept
    # stdout is the JSON access log alone: granian's own lines go to stderr
    handlers = json.loads(Path(granian["GRANIAN_LOG_CONFIG"]).read_text())["handlers"]
    assert {h["stream"] for h in handlers.values()} == {"ext://sys.stderr"}
    assert granian_environment({"SERVER_BIND": "[::1]:8080"})["GRANIAN_HOST"] == "::1"


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("SERVER_THREADS", "many", "SERVER_THREADS='many' is not an integer"),
        ("SERVER_WORKERS_LIFETIME", "30", "must be 0 (never) or at least 60"),
        ("SERVER_BIND", "nowhere", "SERVER_BIND='nowhere' is not HOST:PORT"),
    ],
)
def test_bad_server_settings_are_refused_with_their_name(name, value, error):
    with pytest.raises(ImproperlyConfigured, match=re.escape(error)):
        granian_environment({name: value})
