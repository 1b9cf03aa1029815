"""The mock server (harness/contract/mock.py, Stoplight Prism on contract/openapi.yaml): the typed
client's consumer scenario runs against it with the contract's expectations only (it stores
nothing), it answers with the contract's examples, it refuses what the contract calls invalid
whatever a request asks for, and `python3 toxw -e mock` stops cleanly however it is stopped.

Each check is shown to fail: the scenario's stateful expectations fail against the mock, and the
scenario fails against a mock of a contract whose documented 404 says something else.
"""

import json
import sys

import pytest
import requests
import yaml

from harness.common.paths import CONTRACT, ROOT
from harness.common.procs import free_port, group_alive
from harness.contract import consumer, mock, npm
from harness.testing.commands import WAYS_TO_STOP, start_command, stop_as

# The mock answers as Prism does, not as the service: its exchanges are no contract evidence.
pytestmark = pytest.mark.not_the_service

DOCUMENT = yaml.safe_load(CONTRACT.read_text())
USERS = DOCUMENT["paths"]["/api/users/"]
INVALID = {"dni": "1" * 14, "name": " "}  # too long, and blank


@pytest.fixture(scope="module")
def mock_url():
    with mock.MockServer() as server:
        yield server.url
    assert server.process.poll() is not None, "the mock is still running after its fixture"


def example(operation, status, name):
    return operation["responses"][status]["content"]["application/json"]["examples"][name]["value"]


def violations(response) -> list[dict]:
    return json.loads(response.headers.get("sl-violations", "[]"))


def test_the_consumer_scenario_against_the_mock(typed_client, mock_url, scenario_steps):
    steps = consumer.run(typed_client, mock_url, stateful=False)
    assert [(s.name, s.status, s.model) for s in steps] == scenario_steps
    by_name = {s.name: s for s in steps}
    # The invalid body's 400 is the mock's own verdict on the request, not one it was asked for:
    invalid = by_name["invalid body"].headers
    assert {tuple(v["location"]) for v in json.loads(invalid["sl-violations"])} == {
        ("request", "body", "dni"),
        ("request", "body", "name"),
    }
    assert "sl-violations" not in by_name["taken dni"].headers  # asked for with Prefer


def test_the_stateful_expectations_fail_against_a_mock_that_stores_nothing(typed_client, mock_url):
    with pytest.raises(consumer.ScenarioFailed, match=r"create: answered .* sent"):
        consumer.run(typed_client, mock_url, stateful=True)


def test_the_scenario_fails_against_a_mock_of_another_404(typed_client, tmp_path):
    text = CONTRACT.read_text()
    assert text.count("detail: Not found.") == 1
    changed = tmp_path / "openapi.yaml"
    changed.write_text(text.replace("detail: Not found.", "detail: Gone."))
    with (
        mock.MockServer(contract=changed) as server,
        pytest.raises(consumer.ScenarioFailed, match=r"missing id: detail 'Gone\.'"),
    ):
        consumer.run(typed_client, server.url, stateful=False)
    assert server.process.returncode is not None
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/healthz/", timeout=2)


def test_the_mock_answers_with_the_contracts_examples(mock_url):
    listed = requests.get(mock_url + "/api/users/", timeout=10)
    assert (listed.status_code, listed.json()) == (200, example(USERS["get"], "200", "Users"))
    created = requests.post(
        mock_url + "/api/users/", json={"dni": "0102030405", "name": "Ada"}, timeout=10
    )
    assert created.status_code == 201
    assert created.json() == example(USERS["post"], "201", "Created")
    assert created.headers["Location"] == "/api/users/1/"  # the Location header's example
    asked = requests.post(
        mock_url + "/api/users/",
        json={"dni": "0102030405", "name": "Ada"},
        headers={"Prefer": "code=400, example=InvalidField"},
        timeout=10,
    )
    assert asked.json() == example(USERS["post"], "400", "InvalidField")


def test_the_mock_refuses_what_the_contract_calls_invalid(mock_url):
    # Even asked for a 201, an invalid body gets the operation's documented 400.
    refused = requests.post(
        mock_url + "/api/users/", json=INVALID, headers={"Prefer": "code=201"}, timeout=10
    )
    assert refused.status_code == 400
    assert {v["code"] for v in violations(refused)} == {"maxLength", "pattern"}
    wrong_type = requests.post(
        mock_url + "/api/users/", data="dni", headers={"Content-Type": "text/plain"}, timeout=10
    )
    assert (wrong_type.status_code, wrong_type.headers["Content-Type"]) == (415, "application/json")
    not_an_id = requests.get(mock_url + "/api/users/0/", timeout=10)
    assert not_an_id.status_code == 400  # minimum: 1; the service answers 404 (docs/consumers.md)
    assert [v["code"] for v in violations(not_an_id)] == ["minimum"]
    assert requests.delete(mock_url + "/api/users/1/", timeout=10).status_code == 405
    assert requests.get(mock_url + "/api/nothing/", timeout=10).status_code == 404


def test_a_mock_that_cannot_start_says_why_and_leaves_nothing_running(tmp_path):
    server = mock.MockServer(contract=tmp_path / "missing.yaml", ready_timeout=30)
    with pytest.raises(mock.NotReady, match="exited") as failed:
        server.__enter__()
    assert "prism log" in str(failed.value)
    assert server.process.poll() is not None


def test_npm_missing_is_said_in_words(tmp_path, monkeypatch):
    (tmp_path / "package-lock.json").write_text("{}")
    monkeypatch.setattr(npm.shutil, "which", lambda _name: None)
    with pytest.raises(npm.NpmMissing, match=r"install Node\.js and npm"):
        npm.ensure(tmp_path)


# --- python3 toxw -e mock ---------------------------------------------------------------------


COMMANDS = {
    "toxw": [sys.executable, str(ROOT / "toxw"), "-e", "mock", "--"],
    "module": [sys.executable, "-m", "harness.contract.mock"],
}


@pytest.mark.parametrize(
    ("how", "runner"),
    [*((how, "toxw") for how in WAYS_TO_STOP), ("sigint", "module")],
)
def test_the_mock_command_stops_cleanly(how, runner):
    port = free_port()
    server = start_command(  # the first run prepares the mock env
        [*COMMANDS[runner], "--port", str(port)], f"http://127.0.0.1:{port}", path="/healthz/"
    )
    answer = requests.get(f"http://127.0.0.1:{port}/api/users/1/", timeout=10)
    assert answer.json() == example(DOCUMENT["paths"]["/api/users/{id}/"]["get"], "200", "User")
    signal_name = stop_as(server, how)
    output, _ = server.communicate(timeout=60)
    lines = [line for line in output.splitlines() if line.strip()]
    assert server.returncode == 0, output
    assert lines[-1] == f"mock stopped on {signal_name}", output
    assert f"on http://127.0.0.1:{port}/api/" in output
    assert not group_alive(server.pid), "a process of the mock is still running"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz/", timeout=1)
