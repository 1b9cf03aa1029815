"""Cross-object and code checks of every rendered variant (see checks.py for each rule)."""

import pytest

from harness.manifests import checks, service
from harness.manifests.render import K8S, variant_specs

NAMES = [name for name, _, _ in variant_specs(K8S)]


@pytest.mark.parametrize("check", checks.CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("name", NAMES)
def test_check(variants, name, check):
    problems = check(variants[name])
    assert not problems, "\n".join(problems)


def test_prd_has_at_least_the_replicas_and_pdb_of_dev(variants):
    problems = checks.check_prd_not_below_dev(variants["dev"], variants["prd"])
    assert not problems, "\n".join(problems)


def test_no_file_of_the_tree_holds_a_secret():
    problems = checks.check_tree_for_secrets(K8S)
    assert not problems, "\n".join(problems)


def test_env_names_come_from_the_code():
    """The names are read from the code, not from a list: the scan finds the settings' reads."""
    read = checks.env_names_read_by_code()
    assert read["DJANGO_SECRET_KEY"].startswith("webapp/settings.py:")
    assert read["SERVER_GRACEFUL_TIMEOUT"].startswith("webapp/server.py:")
    assert "DJANGO_SETTINGS_MODULE" not in read  # set by the code, not read as a setting
    print("variables the code reads:", ", ".join(sorted(read)))


def test_probe_path_resolution_uses_the_app_urls():
    assert service.resolves("/healthz") is None
    assert service.resolves("/readyz/") is None
    assert "catch-all" in service.resolves("/ready")


def test_image_port_is_read_from_the_image_or_the_server():
    port, source = checks.image_port()
    assert port == 8000, (port, source)
