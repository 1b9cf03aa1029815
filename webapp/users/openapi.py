"""The OpenAPI description of the users operations: what contract/openapi.yaml says of each.

Kept apart from the views, which only handle HTTP. Every example is built from the code that
answers it (the messages, the serializer, the parser), so the contract cannot drift from the
service's real answers.
"""

import io

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import exceptions

from webapp.api import messages, schema
from webapp.api.errors import error_body, validation_error_body
from webapp.api.parsers import StrictJSONParser
from webapp.users.models import MAX_ID
from webapp.users.serializers import UserInputSerializer, UserSerializer

USER_EXAMPLE = {"id": 1, "dni": "0102030405", "name": "Ada Lovelace"}


def invalid_input_example(data) -> dict:
    """The 400 body a create with these fields gets, from the serializer that rejects them."""
    serializer = UserInputSerializer(data=data)
    if serializer.is_valid():
        raise ValueError(f"{data!r} is valid input")
    return validation_error_body(exceptions.ValidationError(serializer.errors))


def malformed_json_example(body: bytes) -> dict:
    """The 400 body a create with this body gets, from the parser that rejects it."""
    try:
        StrictJSONParser().parse(io.BytesIO(body))
    except exceptions.ParseError as exc:
        return error_body(str(exc.detail))
    raise ValueError(f"{body!r} is valid JSON")


INVALID_USER = OpenApiResponse(
    response=schema.ValidationErrorSerializer,
    description=(
        "The user was not created: the dni is taken, a field is missing, blank, too long or not a "
        "string, the body is not a JSON object, it is not valid JSON, or the `Host` header is not "
        "a name the service answers to."
    ),
    examples=[
        OpenApiExample("UserAlreadyExists", value=error_body(messages.USER_ALREADY_EXISTS)),
        OpenApiExample(
            "InvalidField", value=invalid_input_example({"dni": 102030405, "name": "Ada"})
        ),
        OpenApiExample("MalformedJSON", value=malformed_json_example(b"not JSON")),
        OpenApiExample(
            "DisallowedHost", value=error_body(messages.disallowed_host("evil.example"))
        ),
    ],
)

LIST_USERS = schema.operation(
    "listUsers",
    "List users",
    "Every user, ordered by id, as a plain JSON array.",
    {
        # spectacular wraps the example of a list response in a list
        200: schema.ok(UserSerializer(many=True), "All users.", "Users", USER_EXAMPLE),
        400: schema.DISALLOWED_HOST,
        406: schema.NOT_ACCEPTABLE,
        503: schema.DATABASE_UNAVAILABLE,
    },
)

CREATE_USER = schema.operation(
    "createUser",
    "Create a user",
    "Creates a user from a `dni` and a `name`. Both are required strings (numbers, booleans "
    "and null are rejected, not converted), not blank, without NUL characters. The `dni` must "
    "be unique: a second user with the same `dni` gets `400` with "
    f'`{{"detail": "{messages.USER_ALREADY_EXISTS}"}}`.',
    {
        201: schema.ok(
            UserSerializer, "The user was created; `Location` is its path.", "Created", USER_EXAMPLE
        ),
        400: INVALID_USER,
        406: schema.NOT_ACCEPTABLE,
        413: schema.TOO_LARGE,
        415: schema.UNSUPPORTED_MEDIA_TYPE,
        503: schema.DATABASE_UNAVAILABLE,
    },
    request=UserInputSerializer,
    examples=[
        OpenApiExample(
            "NewUser", value={"dni": "0102030405", "name": "Ada Lovelace"}, request_only=True
        )
    ],
)

GET_USER = schema.operation(
    "getUser",
    "Get a user",
    "One user by its id.",
    {
        200: schema.ok(UserSerializer, "The user.", "User", USER_EXAMPLE),
        400: schema.DISALLOWED_HOST,
        404: schema.NOT_FOUND,
        406: schema.NOT_ACCEPTABLE,
        503: schema.DATABASE_UNAVAILABLE,
    },
    parameters=[
        OpenApiParameter(
            "id",
            {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID},
            OpenApiParameter.PATH,
            description="The user's id, as returned on creation.",
        )
    ],
)
