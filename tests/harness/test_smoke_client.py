"""The smoke gate's words for a served schema that is not the committed contract."""

import copy

import yaml

from harness.common.paths import CONTRACT
from harness.smoke.client import differences, what_differs

COMMITTED = yaml.safe_load(CONTRACT.read_text())


def test_a_changed_limit_in_a_component_names_the_component_and_its_operations():
    served = copy.deepcopy(COMMITTED)
    served["components"]["schemas"]["UserInputRequest"]["properties"]["name"]["maxLength"] = 40
    assert what_differs(served, COMMITTED) == [
        "component schemas.UserInputRequest (used by POST /api/users/)"
    ]
    assert differences(served, COMMITTED) == [
        "components.schemas.UserInputRequest.properties.name.maxLength: served 40, committed 30"
    ]


def test_a_component_used_through_another_names_the_operations_of_both():
    served = copy.deepcopy(COMMITTED)
    served["components"]["schemas"]["User"]["properties"]["id"]["minimum"] = 0
    parts = what_differs(served, COMMITTED)
    assert parts == [
        "component schemas.User (used by GET /api/users/, GET /api/users/{id}/, POST /api/users/)"
    ]


def test_a_changed_operation_and_header_are_named():
    served = copy.deepcopy(COMMITTED)
    served["paths"]["/api/users/"]["get"]["summary"] = "Every user"
    served["info"]["version"] = "9.9.9"
    assert what_differs(served, COMMITTED) == ["/api/users/ (GET)", "the document's info"]
    served["paths"].pop("/api/users/{id}/")
    assert "/api/users/{id}/ (only in the committed contract)" in what_differs(served, COMMITTED)


def test_identical_documents_differ_nowhere():
    assert what_differs(COMMITTED, copy.deepcopy(COMMITTED)) == []
