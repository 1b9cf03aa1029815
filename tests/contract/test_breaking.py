"""Breaking-change gate: contract/openapi.yaml against the base branch, and the diff's own rules.

The base is ``main`` unless CONTRACT_BASE_REF names another ref. A break passes only when the
base had deprecated what is removed and its x-sunset date has passed, when contract/waivers.yaml
waives it (until its expiry), or when info.version has a major bump (the breaks are still
printed). The comparison's changelog goes to reports/contract-changelog.md and .json.
"""

import copy
import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from harness.contract import breaking, changelog, patterns
from harness.contract.settings import CONTRACT, REPORTS, ROOT, SUMMARY
from webapp.users.text import TEXT_PATTERN, WHITESPACE

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
    base = changelog.Version(f"{name} ({commit[:12]})", yaml.safe_load(old_text), commit)
    head = changelog.Version(f"{RELPATH} (working tree)", yaml.safe_load(CONTRACT.read_text()))
    data, verdict = changelog.build(base, head, compared=changelog.compares(base, head))
    md, _ = changelog.write(data, REPORTS)
    found = changelog.counts_line(data) if data["endpoints"] else "no difference, nothing to break"
    SUMMARY.append(f"{compared}: {found} (changelog: {md})")
    old, new = base.document, head.document
    for change, waiver in verdict.waived:
        SUMMARY.append(f"WAIVED until {waiver.expires} by {waiver.where}: {change.message}")
    SUMMARY.extend(f"BREAKING: {change.message}" for change in verdict.blocking)
    SUMMARY.extend(f"WAIVER: {problem}" for problem in verdict.problems)
    problems = [f"  - {problem}" for problem in verdict.problems]
    breaks = [change.message for change in verdict.blocking]
    if breaks and breaking.major_bumped(old, new):
        SUMMARY.append(
            f"{compared}: {len(breaks)} breaking change(s) allowed: info.version went from "
            f"{old['info']['version']} to {new['info']['version']} (a major bump)"
        )
        breaks = []
    failures = []
    if problems:
        failures.append("contract/waivers.yaml does not hold:\n" + "\n".join(problems))
    if breaks:
        failures.append(
            f"contract/openapi.yaml breaks consumers of the contract on {name} ({commit[:12]}):\n"
            + "\n".join(f"  - {line}" for line in breaks)
            + "\nKeep the old behaviour; or deprecate it first (with a sunset date) and remove it "
            "after that date; or, for an intended break, waive it in contract/waivers.yaml (rule, "
            "operation, field, reason, approved_by, expires) or bump the major number of "
            "info.version (SPECTACULAR_SETTINGS['VERSION']) and regenerate the contract."
        )
    assert not failures, "\n".join(failures)


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


def test_whitespace_spelled_out_is_the_same_pattern():
    def edit(d):
        for field in ("dni", "name"):
            schemas(d)["UserInputRequest"]["properties"][field]["pattern"] = TEXT_PATTERN

    assert changed(edit) == []


def test_a_pattern_with_other_whitespace_is_a_changed_pattern():
    narrower = TEXT_PATTERN.replace(r"\ufeff", "")

    def edit(d):
        schemas(d)["UserInputRequest"]["properties"]["dni"]["pattern"] = narrower

    where = "POST /api/users/ request body (application/json).dni"
    assert [line for line in changed(edit) if line.startswith(f"{where}: pattern changed")]


def test_patterns_are_compared_by_what_their_classes_hold():
    assert patterns.same(r"^[^\s\x00]+$", rf"^[^{WHITESPACE}\x00]+$")
    assert patterns.same(r"\s", f"[{WHITESPACE}]")
    assert patterns.same("^[a-c]$", "^[cba]$")
    # an escaped backslash before an s is not whitespace; other escapes stay what they are
    assert not patterns.same(r"^\\s$", rf"^\\[{WHITESPACE}]$")
    assert not patterns.same(r"^\S$", r"^[^\s]$")
    assert not patterns.same("^[a-z]$", "^[a-y]$")
    assert not patterns.same(r"[\s]", r"[\s\u180e]")


def test_ecma_whitespace_is_what_the_service_spells_out():
    assert patterns.tokens(f"[{WHITESPACE}]")[0][2] == patterns.ecma_whitespace()


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


# --- every change has a rule: severities, deprecation and sunset, waivers ------------------------
TODAY = dt.date(2026, 11, 26)
FUTURE, PAST = "2027-03-31", "2026-10-31"


def found(edit, before=None, today=TODAY):
    """(rule, endpoint, field) of every change the edit makes, after ``before`` edits the base."""
    old = copy.deepcopy(BASE)
    if before:
        before(old)
    new = copy.deepcopy(old)
    edit(new)
    return breaking.changes(old, new, today)


def rules(changes):
    return {(c.rule, c.endpoint, c.field) for c in changes}


def remove_name(d):
    schemas(d)["User"]["properties"].pop("name")
    schemas(d)["User"]["required"].remove("name")


def deprecate_name(sunset):
    def edit(d):
        schemas(d)["User"]["properties"]["name"].update({"deprecated": True, "x-sunset": sunset})

    return edit


def deprecate_list(sunset):
    def edit(d):
        d["paths"]["/api/users/"]["get"].update({"deprecated": True, "x-sunset": sunset})

    return edit


READS_USERS = ("GET /api/users/", "POST /api/users/", "GET /api/users/{id}/")


def test_every_rule_has_a_severity_and_a_sentence():
    assert set(breaking.SEVERITIES) == {"breaking", "deprecation", "non-breaking", "annotation"}
    for rule in breaking.RULES.values():
        assert rule.severity in breaking.SEVERITIES, rule
        assert rule.meaning.endswith("."), rule


def test_every_rule_id_is_documented_for_consumers():
    text = (ROOT / "docs" / "contract-rules.md").read_text()
    documented = {
        line.split("`")[1] for line in text.splitlines() if line.startswith("| `") and "` |" in line
    }
    rule_ids = set(breaking.RULES)
    assert rule_ids - documented == set(), "rule ids missing in docs/contract-rules.md"
    for rule in breaking.RULES.values():
        assert f"| `{rule.id}` | {rule.severity} |" in text, rule.id


def test_a_removed_response_field_is_breaking_on_every_endpoint_returning_it():
    changes = found(remove_name)
    assert rules(changes) == {("response-property-removed", e, "name") for e in READS_USERS}
    assert {c.severity for c in changes} == {"breaking"}


def test_an_added_optional_field_is_non_breaking():
    def edit(d):
        schemas(d)["UserInputRequest"]["properties"]["email"] = {"type": "string"}
        schemas(d)["User"]["properties"]["email"] = {"type": "string"}

    changes = found(edit)
    assert rules(changes) == {
        ("request-property-added-optional", "POST /api/users/", "email"),
        *(("response-property-added", e, "email") for e in READS_USERS),
    }
    assert {c.severity for c in changes} == {"non-breaking"}


def test_a_field_deprecated_with_a_future_sunset_is_a_deprecation():
    changes = found(deprecate_name(FUTURE))
    assert rules(changes) == {("response-property-deprecated", e, "name") for e in READS_USERS}
    assert {(c.severity, c.sunset) for c in changes} == {("deprecation", FUTURE)}
    assert (
        "GET /api/users/{id}/ 200 response (application/json): response field 'name': "
        f"deprecated (sunset {FUTURE})"
    ) in [c.message for c in changes]


def test_removing_a_field_after_its_sunset_is_allowed():
    changes = found(remove_name, before=deprecate_name(PAST))
    assert rules(changes) == {
        ("response-property-removed-after-sunset", e, "name") for e in READS_USERS
    }
    assert {c.severity for c in changes} == {"deprecation"}
    assert breaking.judge(changes, TODAY, EMPTY_WAIVERS).passed


def test_removing_a_field_on_its_sunset_date_is_allowed():
    changes = found(remove_name, before=deprecate_name(TODAY.isoformat()))
    assert {c.rule for c in changes} == {"response-property-removed-after-sunset"}


def test_removing_a_field_before_its_sunset_is_refused_naming_the_date():
    changes = found(remove_name, before=deprecate_name(FUTURE))
    assert rules(changes) == {
        ("response-property-removed-before-sunset", e, "name") for e in READS_USERS
    }
    verdict = breaking.judge(changes, TODAY, EMPTY_WAIVERS)
    assert not verdict.passed
    assert (
        "GET /api/users/{id}/ 200 response (application/json): response field 'name' was removed "
        f"before its sunset date {FUTURE}"
    ) in [c.message for c in verdict.blocking]


def test_removing_a_deprecated_field_without_a_sunset_date_is_a_plain_break():
    def before(d):
        schemas(d)["User"]["properties"]["name"]["deprecated"] = True

    changes = found(remove_name, before=before)
    assert {c.rule for c in changes} == {"response-property-removed"}
    assert all(c.message.endswith("(deprecated, but with no x-sunset date)") for c in changes)


def test_removing_an_operation_after_and_before_its_sunset():
    def remove(d):
        d["paths"]["/api/users/"].pop("get")

    after = found(remove, before=deprecate_list(PAST))
    assert [(c.rule, c.message) for c in after] == [
        (
            "operation-removed-after-sunset",
            f"operation GET /api/users/ was removed after its sunset date {PAST}, as announced",
        )
    ]
    early = found(remove, before=deprecate_list(FUTURE))
    assert breaking.breaking_changes(BASE, copy.deepcopy(BASE)) == []
    assert [(c.rule, c.message) for c in early] == [
        (
            "operation-removed-before-sunset",
            f"operation GET /api/users/ was removed before its sunset date {FUTURE}",
        )
    ]


def test_removing_a_path_whose_operations_were_all_past_their_sunset():
    def before(d):
        d["paths"]["/healthz/"]["get"].update({"deprecated": True, "x-sunset": PAST})

    changes = found(lambda d: d["paths"].pop("/healthz/"), before=before)
    assert rules(changes) == {("operation-removed-after-sunset", "GET /healthz/", "")}


def test_deprecating_an_operation_and_moving_its_sunset():
    changes = found(deprecate_list(FUTURE))
    assert [(c.rule, c.severity, c.sunset) for c in changes] == [
        ("operation-deprecated", "deprecation", FUTURE)
    ]
    moved = found(deprecate_list("2027-06-30"), before=deprecate_list(FUTURE))
    assert [c.message for c in moved] == [
        f"operation GET /api/users/: sunset date changed from {FUTURE} to 2027-06-30"
    ]
    withdrawn = found(
        lambda d: d["paths"]["/api/users/"]["get"].pop("deprecated"), before=deprecate_list(FUTURE)
    )
    assert [(c.rule, c.severity) for c in withdrawn] == [
        ("operation-deprecation-withdrawn", "non-breaking")
    ]


def test_the_deprecation_headers_come_with_the_deprecation_and_are_not_listed_apart():
    def edit(d):
        deprecate_list(FUTURE)(d)
        headers = {"Deprecation": {"schema": {"type": "string"}}, "Sunset": {}, "Link": {}}
        for response in d["paths"]["/api/users/"]["get"]["responses"].values():
            response.setdefault("headers", {}).update(copy.deepcopy(headers))

    assert [c.rule for c in found(edit)] == ["operation-deprecated"]


def _header(status="201", name="X-Request-Id"):
    def edit(d):
        d["paths"]["/api/users/"]["post"]["responses"][status].setdefault("headers", {})[name] = {
            "schema": {"type": "string"}
        }

    return edit


def _pop(*keys):
    def edit(d):
        node = d
        for key in keys[:-1]:
            node = node[key]
        node.pop(keys[-1])

    return edit


def _set(value, *keys):
    def edit(d):
        node = d
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


DNI = ("components", "schemas", "UserInputRequest", "properties", "dni")
LIST = ("paths", "/api/users/", "get")


@pytest.mark.parametrize(
    ("before", "edit", "rule", "severity"),
    [
        (None, _set("users", *LIST, "operationId"), "operation-id-changed", "breaking"),
        (
            None,
            _pop(*LIST[:2], "post", "responses", "201", "headers", "Location"),
            "response-header-removed",
            "breaking",
        ),
        (None, _header(), "response-header-added", "non-breaking"),
        (None, _set(["a", "b"], *DNI, "enum"), "request-enum-restricted", "breaking"),
        (
            _set(["a"], *DNI, "enum"),
            _set(["a", "b"], *DNI, "enum"),
            "request-constraint-relaxed",
            "non-breaking",
        ),
        (None, _set(["string", "integer"], *DNI, "type"), "request-type-widened", "non-breaking"),
        (None, _set("email", *DNI, "format"), "request-format-changed", "breaking"),
        (None, _pop(*DNI, "pattern"), "request-constraint-relaxed", "non-breaking"),
        (
            None,
            _set(False, *DNI[:3], "additionalProperties"),
            "request-additional-properties-disallowed",
            "breaking",
        ),
        (
            _set(False, *DNI[:3], "additionalProperties"),
            _pop(*DNI[:3], "properties", "name"),
            "request-property-removed-refused",
            "breaking",
        ),
        (None, _pop(*DNI[:3], "required"), "request-property-became-optional", "non-breaking"),
        (None, _set(True, *DNI, "deprecated"), "request-property-deprecated", "deprecation"),
        (
            None,
            _set([{"in": "query", "name": "q", "schema": {"type": "string"}}], *LIST, "parameters"),
            "parameter-added-optional",
            "non-breaking",
        ),
        (
            None,
            _pop("paths", "/api/users/{id}/", "get", "parameters"),
            "parameter-removed",
            "non-breaking",
        ),
        (None, _set("Other words.", *LIST, "description"), "documentation-changed", "annotation"),
        (
            None,
            _set(
                {"x": {"value": []}},
                *LIST,
                "responses",
                "200",
                "content",
                "application/json",
                "examples",
            ),
            "example-changed",
            "annotation",
        ),
        (None, _set("1.1.0", "info", "version"), "info-version-changed", "annotation"),
        (None, _set("internal", *LIST, "x-audience"), "attribute-changed", "annotation"),
        (
            None,
            _set(
                {"type": "object"},
                *LIST,
                "responses",
                "406",
                "content",
                "application/json",
                "schema",
            ),
            "error-response-changed",
            "non-breaking",
        ),
        (
            None,
            _set({"description": "Ok"}, "paths", "/api/users/", "post", "responses", "202"),
            "response-status-added",
            "non-breaking",
        ),
        (None, _set({}, "paths", "/api/new/"), "path-added", "non-breaking"),
        (
            None,
            _set({"responses": {}}, "paths", "/healthz/", "post"),
            "operation-added",
            "non-breaking",
        ),
        (
            None,
            _set(True, "components", "schemas", "User", "properties", "id", "nullable"),
            "response-type-changed",
            "breaking",
        ),
        (
            None,
            _set(20, "components", "schemas", "User", "properties", "dni", "maxLength"),
            "response-constraint-changed",
            "non-breaking",
        ),
    ],
)
def test_each_kind_of_change_has_its_rule_and_severity(before, edit, rule, severity):
    changes = found(edit, before=before)
    assert rule in {c.rule for c in changes}, [c.message for c in changes]
    assert {c.severity for c in changes if c.rule == rule} == {severity}
    assert all(c.rule in breaking.RULES for c in changes)


# --- waivers ----------------------------------------------------------------------------------
EMPTY_WAIVERS = ROOT / "contract" / "waivers.yaml"
WAIVER = """waivers:
  - rule: response-property-removed
    operation: GET /api/users/{id}/
    field: name
    reason: the back office, its only reader, stopped reading it in its release 4.2
    approved_by: Release Managers
    expires: 2026-12-31
"""


def waivers_file(tmp_path, text=WAIVER):
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    return path


def only_get_one_loses_name(d):
    """The detail endpoint gets its own copy of User without name; the others keep it."""
    schemas(d)["UserDetail"] = copy.deepcopy(schemas(d)["User"])
    remove_name({"components": {"schemas": {"User": schemas(d)["UserDetail"]}}})
    content = d["paths"]["/api/users/{id}/"]["get"]["responses"]["200"]["content"]
    content["application/json"]["schema"] = {"$ref": "#/components/schemas/UserDetail"}


def test_a_waived_break_passes_until_its_expiry(tmp_path):
    changes = found(only_get_one_loses_name)
    assert [c.rule for c in changes if c.severity == "breaking"] == ["response-property-removed"]
    verdict = breaking.judge(changes, TODAY, waivers_file(tmp_path))
    assert verdict.passed, (verdict.blocking, verdict.problems)
    [(change, waiver)] = verdict.waived
    assert change.endpoint == "GET /api/users/{id}/"
    assert waiver.days_left(TODAY) == 35


def test_a_waived_break_fails_after_its_expiry_naming_the_entry(tmp_path):
    changes = found(only_get_one_loses_name)
    verdict = breaking.judge(changes, dt.date(2027, 1, 1), waivers_file(tmp_path))
    assert [c.rule for c in verdict.blocking] == ["response-property-removed"]
    assert verdict.problems == [
        "waivers.yaml entry 1 (response-property-removed GET /api/users/{id}/ name): expired on "
        "2026-12-31; keep the old behaviour, or renew the entry with a new reason and approval"
    ]


def test_a_waiver_waives_only_its_operation_and_field(tmp_path):
    changes = found(remove_name)  # on three endpoints: the waiver names one
    verdict = breaking.judge(changes, TODAY, waivers_file(tmp_path))
    assert [c.endpoint for c, _ in verdict.waived] == ["GET /api/users/{id}/"]
    assert {c.endpoint for c in verdict.blocking} == {"GET /api/users/", "POST /api/users/"}
    other_field = breaking.judge(
        changes, TODAY, waivers_file(tmp_path, WAIVER.replace("field: name", "field: dni"))
    )
    assert other_field.waived == []


@pytest.mark.parametrize(
    ("edit", "missing"),
    [
        ("    approved_by: Release Managers\n", "approved_by"),
        ("    expires: 2026-12-31\n", "expires"),
        (
            "    reason: the back office, its only reader, stopped reading it in its release 4.2\n",
            "reason",
        ),
    ],
)
def test_a_waiver_without_its_approver_expiry_or_reason_fails(tmp_path, edit, missing):
    verdict = breaking.judge(
        found(only_get_one_loses_name), TODAY, waivers_file(tmp_path, WAIVER.replace(edit, ""))
    )
    assert not verdict.passed
    assert [c.rule for c in verdict.blocking] == ["response-property-removed"]
    assert verdict.problems == [
        f"waivers.yaml entry 1 (response-property-removed GET /api/users/{{id}}/ name): "
        f"missing {missing}"
    ]


def test_a_waiver_that_matches_nothing_fails(tmp_path):
    verdict = breaking.judge(found(lambda d: None), TODAY, waivers_file(tmp_path))
    assert not verdict.passed
    assert verdict.problems == [
        "waivers.yaml entry 1 (response-property-removed GET /api/users/{id}/ name): matches no "
        "breaking change of this comparison; correct its rule, operation or field, or remove it "
        "(its change is on the base branch already)"
    ]
    # On the base branch itself (the base is the commit under test) nothing can match.
    assert breaking.judge([], TODAY, waivers_file(tmp_path), compared=False).passed


def test_a_waiver_of_a_rule_that_is_not_a_break_fails(tmp_path):
    text = WAIVER.replace("rule: response-property-removed", "rule: response-property-added")
    verdict = breaking.judge(found(lambda d: None), TODAY, waivers_file(tmp_path, text))
    assert verdict.problems == [
        "waivers.yaml entry 1 (response-property-added GET /api/users/{id}/ name): "
        "'response-property-added' is not the id of a breaking rule (docs/contract-rules.md, "
        "'Rule ids'); only a break needs a waiver"
    ]


def test_the_committed_waiver_file_waives_nothing():
    assert breaking.judge([], TODAY, EMPTY_WAIVERS).passed
    assert yaml.safe_load(EMPTY_WAIVERS.read_text()) == {"waivers": []}
