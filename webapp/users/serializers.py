"""Input validation and output shape of a user."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from webapp.users.models import DNI_MAX_LENGTH, NAME_MAX_LENGTH, User
from webapp.users.text import TEXT_PATTERN, is_blank


class StrictCharField(serializers.CharField):
    """A string field that rejects numbers and booleans instead of coercing them to text.

    Values are stored exactly as sent: no trimming, so what a client reads back is what it wrote.
    """

    default_error_messages = {
        "invalid": "Must be a string.",
        "blank": "Must not be blank or only whitespace.",
        "surrogate": "Must be valid Unicode text (no unpaired surrogates).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if is_blank(data):
            self.fail("blank")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogate")
        return data


def _text_schema(max_length: int, what: str, example: str) -> dict:
    """A text field's schema; its description is written from the same limits it documents, so
    the words cannot contradict the maxLength beside them after a limit changes."""
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": TEXT_PATTERN,
        "description": (
            f"{what}1 to {max_length} characters, not only whitespace, no NUL characters."
        ),
        "example": example,
    }


@extend_schema_field(
    _text_schema(
        DNI_MAX_LENGTH,
        "National identity document number: unique across users, ",
        "0102030405",
    )
)
class DniField(StrictCharField):
    pass


@extend_schema_field(
    _text_schema(
        NAME_MAX_LENGTH,
        "Full name: ",
        "Ada Lovelace",
    )
)
class NameField(StrictCharField):
    pass


class UserInputSerializer(serializers.Serializer):
    dni = DniField(max_length=DNI_MAX_LENGTH)
    name = NameField(max_length=NAME_MAX_LENGTH)

    default_error_messages = {
        "invalid": "The request body must be a JSON object with the fields dni and name.",
    }

    class Meta:
        ref_name = "UserInput"

    def validate_empty_values(self, data):
        # A JSON null body is "not an object" too, not DRF's vaguer "No data provided".
        if data is None:
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [self.error_messages["invalid"]]}
            )
        return super().validate_empty_values(data)


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, help_text="Identifier assigned by the service.")
    dni = DniField(max_length=DNI_MAX_LENGTH)
    name = NameField(max_length=NAME_MAX_LENGTH)

    class Meta:
        ref_name = "User"


def user_as_dict(user: User) -> dict:
    """A user in UserSerializer's shape, the same dict the selectors return, without its cost."""
    return {"id": user.pk, "dni": user.dni, "name": user.name}
