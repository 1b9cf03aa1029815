"""HTTP layer of the users API: parse, call a service or a selector, render. No business logic."""

import logging

import orjson
from django.db import DatabaseError
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.api.plain import PlainJSONReads
from webapp.api.renderers import (
    FastJSONRenderer,
    escape_separators,
    json_body_response,
    json_response,
)
from webapp.users import openapi, selectors, services
from webapp.users.errors import UserNotFound
from webapp.users.serializers import UserInputSerializer, user_as_dict

logger = logging.getLogger(__name__)

# Users read per query when listing. A list up to this size is one query and one ordinary
# response; a longer one is streamed page by page (see stream_users), so that a worker's memory
# does not grow with the number of users.
LIST_PAGE_SIZE = 2000


def respond(request, data, status_code=status.HTTP_200_OK, headers=None):
    """What ``Response(data, ...)`` would give, encoded at once for plain JSON requests.

    When negotiation chose the orjson renderer with the bare ``application/json`` media type
    (no ``indent=``), DRF's rendering would give exactly ``dumps(data)``; building that
    response directly skips DRF's template-response machinery, about 5% of GET one in the
    profile. Any other negotiated outcome goes through ``Response`` as before.
    """
    if request.accepted_media_type == "application/json" and isinstance(
        request.accepted_renderer, FastJSONRenderer
    ):
        return json_response(data, status_code, headers)
    return Response(data, status=status_code, headers=headers)


def page_body(page: selectors.UsersPage) -> bytes:
    """A page's users as the bytes ``dumps`` gives for their list, without its brackets."""
    return escape_separators(page.json)


def stream_users(first_page: selectors.UsersPage):
    """The JSON array of every user, page after page, byte for byte what one dumps() would give.

    Each page is its own short query (keyset pagination on the id), so no cursor or transaction
    stays open while a slow client reads. Users created meanwhile may appear at the end; none
    that existed at the start is missed (ids only grow and users are never deleted). The first
    page was read before the response started, so an unreachable database is still a 503; a
    failure after that can only cut the response short, which the client sees as an incomplete
    chunked body.
    """
    yield b"[" + page_body(first_page)
    page = first_page
    while page.count == LIST_PAGE_SIZE:
        try:
            page = selectors.users_page(after=page.last_id, limit=LIST_PAGE_SIZE)
        except DatabaseError:
            logger.exception("the list of users was cut short: the database failed mid-stream")
            raise
        if page.count:
            yield b"," + page_body(page)
    yield b"]"


def users_response() -> HttpResponse:
    """Every user as compact JSON: one response up to a page, streamed page by page beyond."""
    first_page = selectors.users_page(limit=LIST_PAGE_SIZE)
    if first_page.count < LIST_PAGE_SIZE:
        return json_body_response(b"[" + page_body(first_page) + b"]")
    return StreamingHttpResponse(stream_users(first_page), content_type="application/json")


class UserListView(PlainJSONReads, APIView):
    """A plain JSON GET (nearly every one) is answered by ``plain_get`` without DRF's request
    cycle (webapp/api/plain.py); any other request goes through ``get`` or ``post``."""

    http_method_names = ["get", "post"]
    renderer_classes = [FastJSONRenderer]

    @classmethod
    def plain_get(cls):
        return users_response()

    @openapi.LIST_USERS
    def get(self, request):
        renderer_context = self.get_renderer_context()
        if request.accepted_renderer.get_indent(request.accepted_media_type, renderer_context):
            # Indented output (Accept: application/json; indent=N) is for people reading a
            # response, not for whole tables: DRF renders the whole list, unstreamed.
            return Response(orjson.loads(b"[" + selectors.users_page().json + b"]"))
        return users_response()

    @openapi.CREATE_USER
    def post(self, request):
        serializer = UserInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A taken dni raises UserAlreadyExists, which the exception handler answers with 400.
        user = services.create_user(**serializer.validated_data)
        location = reverse("user-detail", kwargs={"id": user.pk})
        return respond(request, user_as_dict(user), status.HTTP_201_CREATED, {"Location": location})


class UserDetailView(PlainJSONReads, APIView):
    """A plain JSON GET (nearly every one) is answered from ``read`` without DRF's request
    cycle (webapp/api/plain.py); any other goes through ``get``."""

    # Only reads: the original also answered PUT, PATCH and DELETE, which let anyone delete users.
    http_method_names = ["get"]
    renderer_classes = [FastJSONRenderer]

    @staticmethod
    def read(id: int) -> dict:
        # The URL converter has made the id an int in the range of the id column.
        user = selectors.get_user(id)
        if user is None:
            raise UserNotFound(id)
        return user

    @openapi.GET_USER
    def get(self, request, id: int):
        return respond(request, self.read(id))


class NoSuchUserView(UserDetailView):
    """The detail route for an id no user can have: answered as for an id no user has."""

    @staticmethod
    def read(id: str) -> dict:
        raise UserNotFound(id)

    @extend_schema(exclude=True)  # the documented route is UserDetailView's
    def get(self, request, id: str):
        return respond(request, self.read(id))
