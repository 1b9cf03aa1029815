"""A plain JSON GET is answered without DRF's request cycle, exactly as DRF would answer it."""

import pytest
from django.db import OperationalError
from rest_framework.authentication import BasicAuthentication
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from webapp.api import messages
from webapp.api.plain import PlainJSONReads, answers_plainly
from webapp.api.renderers import FastJSONRenderer, dumps
from webapp.users import selectors
from webapp.users.models import User
from webapp.users.views import UserDetailView, UserListView

pytestmark = pytest.mark.django_db

# Each answers through the plain path; DRF_ACCEPT gets the same renderer and media type from
# DRF's own negotiation, so the two paths must give the same answer.
PLAIN_ACCEPTS = [None, "*/*", "application/json"]
DRF_ACCEPT = "application/json, text/html;q=0.1"
PATHS = [
    "/api/users/{id}/",
    "/api/users/{id}",
    "/api/users/999999/",
    "/api/users/0/",
    "/api/users/abc/",
    "/api/users/{id}/?unrelated=1",
    "/api/users/",
    "/api/users",
    "/api/users/?unrelated=1",
]


@pytest.fixture
def dispatched(monkeypatch):
    """The paths of the requests that went through DRF's dispatch."""
    seen = []
    dispatch = APIView.dispatch

    def spy(self, request, *args, **kwargs):
        seen.append(request.path)
        return dispatch(self, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "dispatch", spy)
    return seen


def answer(api, path, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = api.get(path, **headers)
    return response.status_code, dict(response.headers), response.content


@pytest.mark.parametrize("accept", PLAIN_ACCEPTS)
@pytest.mark.parametrize("path", PATHS)
def test_plain_and_drf_answers_are_the_same(api, dispatched, path, accept):
    user = User.objects.create(dni="0102030405", name="Ada Lovelace")
    User.objects.create(dni="d2", name="Grace \u2028 Hopper")
    path = path.format(id=user.pk)
    plain = answer(api, path, accept)
    assert dispatched == []  # the plain path, not DRF's dispatch
    drf = answer(api, path, DRF_ACCEPT)
    assert dispatched == [path.partition("?")[0]]
    assert plain == drf
    listed = path.partition("?")[0].rstrip("/") == "/api/users"
    assert plain[1]["Allow"] == ("GET, POST" if listed else "GET")


def test_a_found_user_is_the_json_drf_wrote(api, dispatched):
    user = User.objects.create(dni="d1", name="Grace")
    response = api.get(f"/api/users/{user.pk}/")
    assert response.status_code == 200
    assert response.content == b'{"id":%d,"dni":"d1","name":"Grace"}' % user.pk
    assert response["Content-Type"] == "application/json"
    assert response["Content-Length"] == str(len(response.content))
    assert dispatched == []


# A database outage is answered by the exception handler (DRF adds its Allow header); any other
# exception is re-raised by DRF too, and the middleware answers it without one.
FAILURES = [
    (OperationalError("connection refused"), 503, messages.DATABASE_UNAVAILABLE, True, "5"),
    (RuntimeError("a bug"), 500, messages.SERVER_ERROR, False, None),
]
# Each view's path, the selector its GET reads, and its Allow header.
READS = [("/api/users/1/", "get_user", "GET"), ("/api/users/", "users_page", "GET, POST")]


@pytest.mark.service_broken_on_purpose
@pytest.mark.parametrize("accept", [None, DRF_ACCEPT])
@pytest.mark.parametrize(("error", "status", "detail", "allowed", "retry_after"), FAILURES)
@pytest.mark.parametrize(("path", "selector", "allow"), READS)
def test_a_failure_gets_the_same_answer_on_both_paths(
    api, monkeypatch, accept, error, status, detail, allowed, retry_after, path, selector, allow
):
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(selectors, selector, failing)
    got_status, headers, body = answer(api, path, accept)
    assert (got_status, body) == (status, dumps({"detail": detail}))
    assert headers.get("Allow") == (allow if allowed else None)
    assert headers.get("Retry-After") == retry_after


@pytest.mark.parametrize(
    ("method", "accept", "query"),
    [
        ("put", None, ""),
        ("options", None, ""),
        ("post", None, ""),
        ("get", "application/json; indent=2", ""),
        ("get", "text/html", ""),
        ("get", "application/json;q=0", ""),
        ("get", None, "?format=json"),
    ],
)
@pytest.mark.parametrize("path", ["/api/users/{id}/", "/api/users/"])
def test_every_other_request_goes_through_drf(api, dispatched, method, accept, query, path):
    user = User.objects.create(dni="d1", name="Grace")
    path = path.format(id=user.pk)
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    getattr(api, method)(path + query, **headers)
    assert dispatched == [path]


def test_the_view_keeps_what_the_url_resolver_and_the_schema_read():
    view = UserDetailView.as_view()
    assert view.cls is UserDetailView
    assert view.view_class is UserDetailView
    assert view.csrf_exempt is True


class _Everything(PlainJSONReads, APIView):
    """Django's default methods (HEAD among them), and a read of its own."""

    renderer_classes = [FastJSONRenderer]

    @staticmethod
    def read(**kwargs):
        return {"read": True}

    def get(self, request):
        return Response(self.read())


def test_the_headers_are_what_drf_adds_for_the_view():
    view = _Everything.as_view()
    plain = view(APIRequestFactory().get("/"))
    drf = view(APIRequestFactory().get("/", HTTP_ACCEPT=DRF_ACCEPT)).render()
    assert plain["Allow"] == drf["Allow"] == "GET, HEAD, OPTIONS"
    assert plain.content == drf.content == b'{"read":true}'


class _Authenticated(PlainJSONReads, APIView):
    renderer_classes = [FastJSONRenderer]
    authentication_classes = [BasicAuthentication]


class _TwoRenderers(PlainJSONReads, APIView):
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]


@pytest.mark.parametrize("view_class", [_Authenticated, _TwoRenderers])
def test_a_view_whose_answer_depends_on_more_is_left_to_drf(dispatched, view_class):
    assert not answers_plainly(view_class)
    view_class.as_view()(APIRequestFactory().get("/plain"))
    assert dispatched == ["/plain"]
    assert answers_plainly(UserDetailView)
    assert answers_plainly(UserListView)
