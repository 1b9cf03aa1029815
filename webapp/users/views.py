"""HTTP layer of the users API: parse, call a service, render. No business logic here."""

import logging

from django.db import DatabaseError
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.api import schema
from webapp.api.errors import NOT_FOUND, error_body
from webapp.api.renderers import FastJSONRenderer, dumps
from webapp.users import services
from webapp.users.serializers import UserInputSerializer, UserSerializer

logger = logging.getLogger(__name__)

# Users read per query when listing. A list up to this size is one query and one ordinary
# response; a longer one is streamed page by page (see stream_users), so that a worker's memory
# does not grow with the number of users.
LIST_PAGE_SIZE = 2000

USER_EXAMPLE = {"id": 1, "dni": "0102030405", "name": "Ada Lovelace"}

INVALID_USER = OpenApiResponse(
    response=schema.ValidationErrorSerializer,
    description=(
        "The user was not created: the dni is taken, a field is missing, blank, too long or not a "
        "string, the body is not a JSON object, or it is not valid JSON."
    ),
    examples=[
        OpenApiExample("UserAlreadyExists", value={"detail": "User already exists"}),
        OpenApiExample(
            "InvalidField",
            value={
                "detail": "Invalid input: dni: Must be a string.",
                "errors": {"dni": ["Must be a string."]},
            },
        ),
        OpenApiExample(
            "MalformedJSON",
            value={"detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)"},
        ),
    ],
)


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
        return HttpResponse(
            dumps(data), status=status_code, headers=headers, content_type="application/json"
        )
    return Response(data, status=status_code, headers=headers)


def stream_users(first_page: list[dict]):
    """The JSON array of every user, page after page, byte for byte what one dumps() would give.

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
            page = services.list_users(after=page[-1]["id"], limit=LIST_PAGE_SIZE)
        except DatabaseError:
            logger.exception("the list of users was cut short: the database failed mid-stream")
            raise
        if page:
            yield b"," + dumps(page)[1:-1]
    yield b"]"


class UserListView(APIView):
    http_method_names = ["get", "post"]
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        operation_id="listUsers",
        tags=["users"],
        summary="List users",
        description="Every user, ordered by id, as a plain JSON array.",
        responses={
            200: OpenApiResponse(
                response=UserSerializer(many=True),
                description="All users.",
                examples=[
                    OpenApiExample("Users", value=USER_EXAMPLE)
                ],  # wrapped in a list by spectacular,
            ),
            406: schema.NOT_ACCEPTABLE,
            503: schema.DATABASE_UNAVAILABLE,
        },
    )
    def get(self, request):
        # Plain dicts, not a ModelSerializer: the profile of this list showed serializer fields
        # and model instances taking two thirds of the request.
        first_page = services.list_users(limit=LIST_PAGE_SIZE)
        if len(first_page) < LIST_PAGE_SIZE:
            return respond(request, first_page)
        renderer_context = self.get_renderer_context()
        if request.accepted_renderer.get_indent(request.accepted_media_type, renderer_context):
            # Indented output (Accept: application/json; indent=N) is for people reading a
            # response, not for whole tables: it keeps the simple, unstreamed path.
            rest = services.list_users(after=first_page[-1]["id"])
            return Response(first_page + rest)
        return StreamingHttpResponse(stream_users(first_page), content_type="application/json")

    @extend_schema(
        operation_id="createUser",
        tags=["users"],
        summary="Create a user",
        description=(
            "Creates a user from a `dni` and a `name`. Both are required strings (numbers, "
            "booleans and null are rejected, not converted), not blank, without NUL characters. "
            "The `dni` must be unique: a second user with the same `dni` gets `400` with "
            '`{"detail": "User already exists"}`.'
        ),
        request=UserInputSerializer,
        examples=[
            OpenApiExample(
                "NewUser", value={"dni": "0102030405", "name": "Ada Lovelace"}, request_only=True
            )
        ],
        responses={
            201: OpenApiResponse(
                response=UserSerializer,
                description="The user was created; `Location` is its path.",
                examples=[OpenApiExample("Created", value=USER_EXAMPLE)],
            ),
            400: INVALID_USER,
            406: schema.NOT_ACCEPTABLE,
            411: schema.LENGTH_REQUIRED,
            413: schema.TOO_LARGE,
            415: schema.UNSUPPORTED_MEDIA_TYPE,
            503: schema.DATABASE_UNAVAILABLE,
        },
    )
    def post(self, request):
        serializer = UserInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.create_user(**serializer.validated_data)
        except services.UserAlreadyExists:
            return respond(request, error_body("User already exists"), status.HTTP_400_BAD_REQUEST)
        location = reverse("user-detail", kwargs={"id": user.pk})
        return respond(
            request, services.as_dict(user), status.HTTP_201_CREATED, {"Location": location}
        )


class UserDetailView(APIView):
    # Only reads: the original also answered PUT, PATCH and DELETE, which let anyone delete users.
    http_method_names = ["get"]
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        operation_id="getUser",
        tags=["users"],
        summary="Get a user",
        description="One user by its id.",
        parameters=[
            OpenApiParameter(
                "id",
                {"type": "integer", "format": "int64", "minimum": 1, "maximum": services.MAX_ID},
                OpenApiParameter.PATH,
                description="The user's id, as returned on creation.",
            )
        ],
        responses={
            200: OpenApiResponse(
                response=UserSerializer,
                description="The user.",
                examples=[OpenApiExample("User", value=USER_EXAMPLE)],
            ),
            404: schema.NOT_FOUND,
            406: schema.NOT_ACCEPTABLE,
            503: schema.DATABASE_UNAVAILABLE,
        },
    )
    def get(self, request, id: str):
        user_id = services.parse_user_id(id)
        user = services.get_user(user_id) if user_id is not None else None
        if user is None:
            return respond(request, error_body(NOT_FOUND), status.HTTP_404_NOT_FOUND)
        return respond(request, user)
