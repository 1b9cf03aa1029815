"""The negotiation shortcut picks exactly what DRF's own algorithm picks."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from webapp.api import messages
from webapp.api.negotiation import FastContentNegotiation
from webapp.api.renderers import FastJSONRenderer

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/json;q=0.5, */*;q=0.1",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/*",
    "application/xml",
    "",
]
RENDERER_SETS = [
    [FastJSONRenderer()],
    [JSONRenderer()],
    [JSONRenderer(), BrowsableAPIRenderer()],
    [TemplateHTMLRenderer(), JSONRenderer()],
]


def outcome(negotiator, request, renderers, suffix):
    try:
        renderer, media_type = negotiator.select_renderer(request, renderers, suffix)
    except Exception as exc:
        return type(exc).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(
    "renderers", RENDERER_SETS, ids=lambda rs: "+".join(type(r).__name__ for r in rs)
)
@pytest.mark.parametrize(
    ("query", "suffix"),
    [("", None), ("?format=json", None), ("?format=", None), ("", "json"), ("?format=api", None)],
)
def test_same_choice_as_drf(accept, renderers, query, suffix):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get("/api/users/" + query, **headers))
    assert outcome(FastContentNegotiation(), request, renderers, suffix) == outcome(
        DefaultContentNegotiation(), request, renderers, suffix
    )


def test_responses_carry_their_length(api):
    response = api.get("/healthz")
    assert response["Content-Length"] == str(len(response.content))
    missing = api.get("/no/such/path")
    assert missing["Content-Length"] == str(len(missing.content))


# q=0 means "not acceptable" (RFC 9110, 12.4.2); the most specific range that matches a media type
# gives its quality, so "application/json;q=0, */*" still refuses JSON.
@pytest.mark.parametrize(
    "accept",
    [
        "application/json;q=0",
        "application/json; q=0.000",
        "*/*;q=0",
        "application/*;q=0",
        "application/json;q=0, */*",
        "text/html, application/json;q=0",
        "*/*;q=0, text/html",
    ],
)
@pytest.mark.parametrize("path", ["/api/users/", "/api/users/1/", "/api/", "/healthz"])
@pytest.mark.django_db
def test_an_accept_that_gives_json_quality_zero_gets_406(api, accept, path):
    response = api.get(path, HTTP_ACCEPT=accept)
    assert response.status_code == 406, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": messages.NOT_ACCEPTABLE}


@pytest.mark.parametrize(
    "accept",
    [
        "application/json;q=0.5",
        "application/json;q=0.001",
        "text/html;q=0, */*",
        "*/*;q=0, application/json",
        "application/*;q=0, application/json;q=0.2",
        "application/json;q=banana",  # an invalid q is ignored, as Django reads it: quality 1
    ],
)
@pytest.mark.django_db
def test_an_accept_that_gives_json_a_quality_above_zero_gets_json(api, accept):
    response = api.get("/api/users/", HTTP_ACCEPT=accept)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
