"""HTTP layer of the users API: parse, call a service, render. No business logic here."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.api import schema
from webapp.api.errors import NOT_FOUND, error_body
from webapp.users import services
from webapp.users.serializers import UserInputSerializer, UserSerializer

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


class UserListView(APIView):
    http_method_names = ["get", "post"]

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
        return Response(UserSerializer(services.list_users(), many=True).data)

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
            return Response(error_body("User already exists"), status=status.HTTP_400_BAD_REQUEST)
        location = reverse("user-detail", kwargs={"id": user.pk})
        return Response(
            UserSerializer(user).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class UserDetailView(APIView):
    # Only reads: the original also answered PUT, PATCH and DELETE, which let anyone delete users.
    http_method_names = ["get"]

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
            return Response(error_body(NOT_FOUND), status=status.HTTP_404_NOT_FOUND)
        return Response(UserSerializer(user).data)
