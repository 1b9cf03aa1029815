"""The typed client (harness/contract/client.py): generated from the contract by
openapi-python-client without a single warning, built as a wheel versioned with the contract's
info.version, installed from that wheel, and the consumer scenario (harness/contract/consumer.py)
run through it against the service, every answer parsed into the generated models.

Each check is shown to fail: a contract the generator cannot fully read fails generation, a
version other than info.version fails the build, and a client generated from a contract that
lacks the 404 fails the scenario. The same scenario against the mock: test_mock.py.
"""

import contextlib
import copy
import sys
import zipfile
from types import SimpleNamespace

import pytest
import yaml

from harness.common.paths import CONTRACT
from harness.contract import client, consumer

DOCUMENT = yaml.safe_load(CONTRACT.read_text())
STEPS = ["create", "read back", "list", "missing id", "taken dni", "invalid body"]


def contract_copy(tmp_path, change):
    """contract/openapi.yaml with ``change`` applied, written to tmp_path."""
    document = copy.deepcopy(DOCUMENT)
    change(document)
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return path


def test_the_generator_reads_the_contract_without_a_warning(tmp_path, capsys):
    assert client.main(["generate", "--out", str(tmp_path)]) == 0
    assert "client: " in capsys.readouterr().out
    package = tmp_path / client.PROJECT / client.PACKAGE
    for operation in ("create_user", "get_user", "list_users"):
        assert (package / "api" / "users" / f"{operation}.py").is_file(), operation
    for model in ("user", "user_input_request", "error", "validation_error"):
        assert (package / "models" / f"{model}.py").is_file(), model


def test_a_warning_of_the_generator_fails_generation(tmp_path, capsys):
    def xml_only(document):  # a response the generator cannot read: it would leave it out
        ok = document["paths"]["/api/users/{id}/"]["get"]["responses"]["200"]
        ok["content"] = {"application/xml": {"schema": {"type": "string"}}}

    broken = contract_copy(tmp_path, xml_only)
    with pytest.raises(client.GenerationFailed, match="warning line") as failed:
        client.generate(tmp_path / "out", contract=broken)
    assert "Unsupported content_type application/xml" in str(failed.value)
    assert client.main(["generate", "--out", str(tmp_path / "cli"), "--contract", str(broken)]) == 1
    assert "warning" in capsys.readouterr().err
    assert client.warning_lines("Generating x\nWARNING parsing GET /a\nok") == [
        "WARNING parsing GET /a"
    ]


def test_the_wheel_is_versioned_with_the_contract(client_wheel):
    version = DOCUMENT["info"]["version"]
    assert client_wheel.name == f"users_api_client-{version}-py3-none-any.whl"
    with zipfile.ZipFile(client_wheel) as wheel:
        metadata = wheel.read(f"users_api_client-{version}.dist-info/METADATA").decode()
        names = wheel.namelist()
    assert f"\nVersion: {version}\n" in metadata
    assert "Requires-Dist: httpx" in metadata
    assert "users_api_client/py.typed" in names  # the types reach a consumer's type checker


def test_the_pipeline_command_builds_the_wheel_of_the_contracts_version(tmp_path, capsys):
    bumped = contract_copy(tmp_path, lambda d: d["info"].update(version="2.3.4"))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "users_api_client-1.0.0-py3-none-any.whl").write_text("an earlier one")
    assert client.main(["wheel", "--out", str(tmp_path / "out"), "--contract", str(bumped)]) == 0
    assert "contract version 2.3.4" in capsys.readouterr().out
    assert [p.name for p in (tmp_path / "out").iterdir()] == [
        "users_api_client-2.3.4-py3-none-any.whl"
    ]


def test_a_wheel_of_another_version_fails_the_build(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(client.CONFIG.read_text() + "package_version_override: 0.0.1\n")
    with pytest.raises(client.GenerationFailed, match=r"must be the contract's info.version"):
        client.build_wheel(tmp_path / "out", config=config)


def test_the_client_is_imported_from_its_wheel(typed_client, client_wheel):
    assert typed_client.__name__ == client.PACKAGE
    assert "client-site" in typed_client.__file__
    with pytest.raises(ImportError, match="not from"):
        client.load(client_wheel.parent, package="yaml")  # found elsewhere on sys.path


def test_the_consumer_scenario_through_the_typed_client(typed_client, live_url, scenario_steps):
    steps = consumer.run(typed_client, live_url, stateful=True)
    assert [(s.name, s.status, s.model) for s in steps] == scenario_steps
    assert all("prefer" not in {k.lower() for k in s.headers} for s in steps)


@contextlib.contextmanager
def imported_alone(site):
    """Import the client installed in ``site`` in place of the run's, then put that back."""
    ours = [name for name in sys.modules if name.split(".")[0] == client.PACKAGE]
    saved = {name: sys.modules.pop(name) for name in ours}
    try:
        yield client.load(site)
    finally:
        sys.path.remove(str(site))
        for name in [n for n in sys.modules if n.split(".")[0] == client.PACKAGE]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_a_client_of_a_contract_without_the_404_fails_the_scenario(tmp_path, live_url):
    def no_404(document):
        del document["paths"]["/api/users/{id}/"]["get"]["responses"]["404"]

    wheel = client.build_wheel(tmp_path / "wheel", contract=contract_copy(tmp_path, no_404))
    with (
        imported_alone(client.install(wheel, tmp_path / "site")) as broken,
        pytest.raises(consumer.ScenarioFailed, match="missing id: status 404 is not documented"),
    ):
        consumer.run(broken, live_url, stateful=True)


class Parsed:
    pass


@pytest.mark.parametrize(
    ("status", "parsed", "message"),
    [
        (500, Parsed(), "expected 201, got 500"),
        (201, {"id": 1}, "expected the generated .*Parsed, got dict"),
        (201, [Parsed(), "x"], "expected the generated .*Parsed, got list of Parsed, str"),
    ],
)
def test_an_answer_of_another_status_or_type_fails_a_step(status, parsed, message):
    steps = []
    response = SimpleNamespace(status_code=status, parsed=parsed, headers={}, content=b"{}")
    with pytest.raises(consumer.ScenarioFailed, match=message):
        consumer.check(steps, "create", response, 201, Parsed)
    assert steps[0].status == status
