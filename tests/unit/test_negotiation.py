"""The negotiation shortcut picks exactly what DRF's own algorithm picks."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

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
