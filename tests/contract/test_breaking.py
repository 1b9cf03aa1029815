"""Breaking-change gate: contract/openapi.yaml against the base branch, and the diff's own rules.

The base is ``main`` unless CONTRACT_BASE_REF names another ref. A major bump of info.version
lets an intended break pass (the breaks are still printed).
"""

import copy
import os
from pathlib import Path

import pytest
import yaml

from tests.contract import breaking
from tests.contract.settings import CONTRACT, ROOT, SUMMARY

RELPATH = "contract/openapi.yaml"


def test_contract_has_no_breaking_change_against_the_base_branch():
    ref = os.environ.get("CONTRACT_BASE_REF", "main").strip() or "main"
    try:
        name, commit = breaking.resolve_base(ROOT, ref)
    except breaking.BaseNotFound as exc:
        pytest.fail(f"cannot run the breaking-change check: {exc}")
    compared = f"breaking changes: compared {RELPATH} (working tree) with {name} ({commit[:12]})"
    old_text = breaking.base_contract(ROOT, commit, RELPATH)
    if old_text is None:
        SUMMARY.append(f"{compared}: {name} has no contract, nothing to break")
        return
    old, new = yaml.safe_load(old_text), yaml.safe_load(CONTRACT.read_text())
    if old == new:
        SUMMARY.append(f"{compared}: no difference, nothing to break")
        return
    breaks = breaking.breaking_changes(old, new)
    SUMMARY.extend(f"BREAKING: {line}" for line in breaks)
    if breaks and breaking.major_bumped(old, new):
        SUMMARY.append(
            f"{compared}: {len(breaks)} breaking change(s) allowed: info.version went from "
            f"{old['info']['version']} to {new['info']['version']} (a major bump)"
        )
        return
    SUMMARY.append(f"{compared}: {len(breaks)} breaking change(s)")
    assert not breaks, (
        f"contract/openapi.yaml breaks consumers of the contract on {name} ({commit[:12]}):\n"
        + "\n".join(f"  - {line}" for line in breaks)
        + "\nKeep the old behaviour, or, for an intended break, bump the major number of "
        "info.version (SPECTACULAR_SETTINGS['VERSION']) and regenerate the contract."
    )


# --- the rules, on a frozen copy of the contract with one change each ----------------------------
# (a copy, so these tests keep their meaning when the real contract changes)
BASE = yaml.safe_load((Path(__file__).parent / "fixtures" / "openapi-base.yaml").read_text())


def changed(edit):
    new = copy.deepcopy(BASE)
    edit(new)
    return breaking.breaking_changes(BASE, new)


def schemas(doc):
    return doc["components"]["schemas"]


def test_identical_documents_have_no_break():
    assert breaking.breaking_changes(BASE, copy.deepcopy(BASE)) == []


def test_removed_path():
    assert changed(lambda d: d["paths"].pop("/healthz/")) == ["path /healthz/ was removed"]


def test_removed_operation():
    assert changed(lambda d: d["paths"]["/api/users/"].pop("post")) == [
        "operation POST /api/users/ was removed"
    ]


def test_removed_response_field_is_reported_for_every_operation_returning_it():
    def edit(d):
        schemas(d)["User"]["properties"].pop("name")
        schemas(d)["User"]["required"].remove("name")

    found = changed(edit)
    assert (
        "POST /api/users/ 201 response (application/json): response field 'name' was removed"
        in (found)
    )
    assert (
        "GET /api/users/{id}/ 200 response (application/json): response field 'name' was removed"
        in (found)
    )
    assert (
        "GET /api/users/ 200 response (application/json)[]: response field 'name' was removed"
        in (found)
    )


def test_response_field_no_longer_required():
    found = changed(lambda d: schemas(d)["User"]["required"].remove("dni"))
    assert any("response field 'dni' is no longer always present" in line for line in found)


def test_response_field_type_changed():
    found = changed(lambda d: schemas(d)["User"]["properties"]["id"].update(type="string"))
    assert any("response type changed from integer to string" in line for line in found)


def test_tightened_input_constraints():
    def edit(d):
        dni = schemas(d)["UserInputRequest"]["properties"]["dni"]
        dni.update(maxLength=10, minLength=2, pattern="^[0-9]+$")

    found = changed(edit)
    where = "POST /api/users/ request body (application/json).dni"
    assert f"{where}: maxLength tightened from 13 to 10" in found
    assert f"{where}: minLength tightened from 1 to 2" in found
    assert any(line.startswith(f"{where}: pattern changed") for line in found)


def test_relaxed_input_constraint_is_not_a_break():
    assert (
        changed(lambda d: schemas(d)["UserInputRequest"]["properties"]["dni"].update(maxLength=20))
        == []
    )


def test_narrowed_input_type():
    found = changed(
        lambda d: schemas(d)["UserInputRequest"]["properties"]["name"].update(type="integer")
    )
    where = "POST /api/users/ request body (application/json).name"
    assert f"{where}: accepted type narrowed from string to integer" in found


def test_tightened_parameter():
    def edit(d):
        d["paths"]["/api/users/{id}/"]["get"]["parameters"][0]["schema"]["maximum"] = 1000

    where = "GET /api/users/{id}/ path parameter 'id'"
    assert changed(edit) == [f"{where}: maximum tightened from 9223372036854775807 to 1000"]


def test_new_required_request_field_and_parameter():
    def edit(d):
        schemas(d)["UserInputRequest"]["properties"]["email"] = {"type": "string"}
        schemas(d)["UserInputRequest"]["required"].append("email")
        d["paths"]["/api/users/"]["get"]["parameters"] = [
            {"in": "query", "name": "page", "required": True, "schema": {"type": "integer"}}
        ]

    found = changed(edit)
    assert (
        "POST /api/users/ request body (application/json): new required request field 'email'"
        in found
    )
    assert "GET /api/users/ query parameter 'page': new required parameter" in found


def test_new_optional_field_is_not_a_break():
    def edit(d):
        schemas(d)["UserInputRequest"]["properties"]["email"] = {"type": "string"}
        schemas(d)["User"]["properties"]["email"] = {"type": "string"}

    assert changed(edit) == []


def test_removed_or_changed_success_status():
    def edit(d):
        responses = d["paths"]["/api/users/"]["post"]["responses"]
        responses["200"] = responses.pop("201")

    assert changed(edit) == ["POST /api/users/: success status 201 was removed or changed"]


def test_removed_error_status_is_not_a_success_break():
    assert changed(lambda d: d["paths"]["/api/users/"]["post"]["responses"].pop("415")) == []


def test_major_version_bump_lets_a_break_pass():
    new = copy.deepcopy(BASE)
    assert not breaking.major_bumped(BASE, new)
    new["info"]["version"] = "1.1.0"
    assert not breaking.major_bumped(BASE, new)
    new["info"]["version"] = "2.0.0"
    assert breaking.major_bumped(BASE, new)


def test_unknown_base_ref_is_a_clear_failure():
    with pytest.raises(breaking.BaseNotFound, match="CONTRACT_BASE_REF"):
        breaking.resolve_base(ROOT, "no-such-branch-for-the-contract-gate")
