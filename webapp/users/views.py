"""HTTP layer of the users API: parse, call a service or a selector, render. No business logic."""

import logging

from django.db import DatabaseError
from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.api.renderers import FastJSONRenderer, dumps
from webapp.users import openapi, selectors, services
from webapp.users.errors import UserNotFound
from webapp.users.serializers import UserInputSerializer, user_as_dict

logger = logging.getLogger(__name__)

# Users read per query when listing. A list up to this size is one query and one ordinary
# response; a longer one is streamed page by page (see stream_users), so that a worker's memory
# does not grow with the number of users.
LIST_PAGE_SIZE = 2000


def stream_users(first_page: list[dict]):
    """The JSON array of every user, page after page, byte for byte what the renderer gives for
    the whole list.

    Each page is its own short query (keyset pagination on the id), so no cursor or transaction
    stays open while a slow client reads. Users created meanwhile may appear at the end; none
    that existed at the start is missed (ids only grow and users are never deleted). The first
    page was read before the response started, so an unreachable database is still a 503; a
    failure after that can only cut the response short, which the client sees as an incomplete
    chunked body.
    """
    yield b"[" + dumps(first_page)[1:-1]
    page = first_page
    while len(page) == LIST_PAGE_SIZE:
        try:
            page = selectors.users_page(after=page[-1]["id"], limit=LIST_PAGE_SIZE)
        except DatabaseError:
            logger.exception("the list of users was cut short: the database failed mid-stream")
            raise
        if page:
            yield b"," + dumps(page)[1:-1]
    yield b"]"


class UserListView(APIView):
    http_method_names = ["get", "head", "post"]
    renderer_classes = [FastJSONRenderer]

    @openapi.LIST_USERS
    def get(self, request):
        renderer_context = self.get_renderer_context()
        if request.accepted_renderer.get_indent(request.accepted_media_type, renderer_context):
            # Indented output (Accept: application/json; indent=N) is for people reading a
            # response, not for whole tables: the renderer writes the whole list, unstreamed.
            return Response(selectors.users_page())
        first_page = selectors.users_page(limit=LIST_PAGE_SIZE)
        if len(first_page) < LIST_PAGE_SIZE:
            return Response(first_page)
        return StreamingHttpResponse(stream_users(first_page), content_type="application/json")

    @openapi.CREATE_USER
    def post(self, request):
        serializer = UserInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A taken dni raises UserAlreadyExists, which the exception handler answers with 400.
        user = services.create_user(**serializer.validated_data)
        location = reverse("user-detail", kwargs={"id": user.pk})
        return Response(
            user_as_dict(user), status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class UserDetailView(APIView):
    # Only reads: the original also answered PUT, PATCH and DELETE, which let anyone delete users.
    http_method_names = ["get", "head"]
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
        return Response(self.read(id))


class NoSuchUserView(UserDetailView):
    """The detail route for an id no user can have: answered as for an id no user has."""

    @staticmethod
    def read(id: str) -> dict:
        raise UserNotFound(id)

    @extend_schema(exclude=True)  # the documented route is UserDetailView's
    def get(self, request, id: str):
        return Response(self.read(id))
