"""The harness reads its settings as the service does, and says in one line what is wrong."""

import pytest

from harness.common.env import ImproperlyConfigured, env_bool, env_float, env_int


def test_numbers_with_a_fraction(monkeypatch):
    assert env_float("X_SECONDS", 2.5) == 2.5
    monkeypatch.setenv("X_SECONDS", " 7.5 ")
    assert env_float("X_SECONDS", 2.5) == 7.5
    assert env_float("X_SECONDS", 2.5, maximum=5) == 5  # a load stays bounded
    monkeypatch.setenv("X_SECONDS", "soon")
    with pytest.raises(ImproperlyConfigured, match=r"X_SECONDS='soon' is not a number"):
        env_float("X_SECONDS", 2.5)
    monkeypatch.setenv("X_SECONDS", "-1")
    with pytest.raises(ImproperlyConfigured, match="X_SECONDS=-1 must be at least 0"):
        env_float("X_SECONDS", 2.5)


def test_flags_and_integers_mean_what_they_mean_to_the_service(monkeypatch):
    monkeypatch.setenv("X_FLAG", "False")
    assert env_bool("X_FLAG", True) is False  # not "any non-empty string is true"
    monkeypatch.setenv("X_COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="X_COUNT=0 must be at least 1"):
        env_int("X_COUNT", 5, minimum=1)
