"""Deprecation and sunset (webapp/api/deprecation.py): the headers on every response of a
deprecated operation, and what the generated contract says of it and of a deprecated field.

Nothing of the real API is deprecated: these tests serve the test-only URLconf
tests/unit/fake_deprecated_urls.py. The real contract's drift test keeps the real API as it is.
"""

import copy
import datetime as dt

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from harness.contract import breaking
from tests.unit import fake_deprecated_urls
from webapp.api import deprecation

URLCONF = "tests.unit.fake_deprecated_urls"
DEPRECATION = f"@{int(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp())}"
SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"
LINK = '<https://docs.example.org/widgets-v2>; rel="deprecation"'


@pytest.fixture
def urls():
    with override_settings(ROOT_URLCONF=URLCONF):
        yield


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator(urlconf=fake_deprecated_urls).get_schema(request=None, public=True)


def announced(response) -> tuple:
    return tuple(response.get(name) for name in ("Deprecation", "Sunset", "Link"))


def test_the_headers_state_rfc_9745_and_rfc_8594_dates():
    notice = deprecation.Deprecation.of("2026-12-01", "2027-06-30", "https://x.example/m")
    assert notice.headers() == {
        "Deprecation": "@1796083200",
        "Sunset": "Wed, 30 Jun 2027 00:00:00 GMT",
        "Link": '<https://x.example/m>; rel="deprecation"',
    }
    assert DEPRECATION == "@1796083200"


def test_a_sunset_must_come_after_the_deprecation():
    with pytest.raises(ValueError, match="must come after"):
        deprecation.Deprecation.of("2027-06-30", "2027-06-30")


@pytest.mark.usefixtures("urls")
@pytest.mark.not_the_service  # a test URLconf: not the service's exchanges
@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/old-widget/", 200), ("/api/old-widget/?missing=1", 404)],
)
def test_every_response_of_a_deprecated_operation_announces_it(api, path, status):
    response = api.get(path)
    assert response.status_code == status
    assert announced(response) == (DEPRECATION, SUNSET, LINK)


@pytest.mark.usefixtures("urls")
@pytest.mark.not_the_service  # a test URLconf: not the service's exchanges
def test_an_answer_given_before_routing_announces_it_too(api):
    response = api.get("/api/old-widget/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert announced(response) == (DEPRECATION, SUNSET, LINK)


@pytest.mark.usefixtures("urls")
@pytest.mark.not_the_service  # a test URLconf: not the service's exchanges
def test_a_link_header_of_the_response_is_kept(api):
    response = api.get("/api/old-widget/?link=1")
    assert response["Link"] == f'</api/widgets/2/>; rel="next", {LINK}'


@pytest.mark.usefixtures("urls")
@pytest.mark.not_the_service  # a test URLconf: not the service's exchanges
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/api/widget/", 200), ("post", "/api/old-widget/", 405), ("get", "/nowhere/", 404)],
)
def test_other_operations_and_methods_announce_nothing(api, method, path, status):
    response = getattr(api, method)(path)
    assert response.status_code == status
    assert announced(response) == (None, None, None)


@pytest.mark.usefixtures("urls")
@pytest.mark.not_the_service  # a test URLconf: not the service's exchanges
def test_with_nothing_deprecated_the_middleware_looks_no_further(api, monkeypatch):
    monkeypatch.setattr(deprecation, "DEPRECATED_HANDLERS", set())
    assert announced(api.get("/api/old-widget/")) == (None, None, None)


@pytest.mark.django_db
def test_the_real_api_sends_no_deprecation(api):
    response = api.get("/api/users/")
    assert response.status_code == 200
    assert announced(response) == (None, None, None)


def test_the_contract_marks_the_operation_with_its_sunset_and_documents_the_headers(schema):
    operation = schema["paths"]["/api/old-widget/"]["get"]
    assert operation["deprecated"] is True
    assert operation["x-sunset"] == "2027-06-30"
    assert deprecation.NOTICE_KEY not in operation
    responses = operation["responses"]
    assert {"200", "400", "404", "414", "431"} <= set(responses)
    for status in ("200", "400", "404"):
        headers = responses[status]["headers"]
        assert set(headers) == {"Deprecation", "Sunset", "Link"}, status
        assert headers["Deprecation"]["schema"]["example"] == DEPRECATION
        assert headers["Sunset"]["schema"]["example"] == SUNSET
        assert headers["Link"]["schema"]["example"] == LINK
    for status in ("414", "431"):  # answered before routing: no headers
        assert "headers" not in responses[status], status
    plain = schema["paths"]["/api/widget/"]["get"]
    assert "deprecated" not in plain
    assert all("headers" not in r for r in plain["responses"].values())


def test_the_contract_marks_the_field_with_its_sunset(schema):
    properties = schema["components"]["schemas"]["Widget"]["properties"]
    assert properties["nickname"]["deprecated"] is True
    assert properties["nickname"]["x-sunset"] == "2027-06-30"
    assert "deprecated" not in properties["id"]
    assert "x-sunset" not in properties["id"]


def test_the_breaking_check_allows_the_removal_only_from_the_sunset_date(schema):
    removed = copy.deepcopy(schema)
    del removed["paths"]["/api/old-widget/"]
    del removed["components"]["schemas"]["Widget"]["properties"]["nickname"]
    early = breaking.changes(schema, removed, dt.date(2027, 6, 29))
    assert {c.rule for c in early} == {
        "operation-removed-before-sunset",
        "response-property-removed-before-sunset",
    }
    assert "operation GET /api/old-widget/ was removed before its sunset date 2027-06-30" in [
        c.message for c in early
    ]
    on_time = breaking.changes(schema, removed, dt.date(2027, 6, 30))
    assert {c.rule for c in on_time} == {
        "operation-removed-after-sunset",
        "response-property-removed-after-sunset",
    }
    assert breaking.judge(on_time, dt.date(2027, 6, 30)).passed
