"""Input validation and output shape of a user."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from webapp.users.models import DNI_MAX_LENGTH, NAME_MAX_LENGTH

# At least one non-whitespace character and no NUL anywhere (PostgreSQL cannot store NUL).
TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


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
        if not data.strip():
            self.fail("blank")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogate")
        return data


def _text_schema(max_length: int, description: str, example: str) -> dict:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": TEXT_PATTERN,
        "description": description,
        "example": example,
    }


@extend_schema_field(
    _text_schema(
        DNI_MAX_LENGTH,
        "National identity document number: unique across users, 1 to 13 characters, "
        "not only whitespace, no NUL characters.",
        "0102030405",
    )
)
class DniField(StrictCharField):
    pass


@extend_schema_field(
    _text_schema(
        NAME_MAX_LENGTH,
        "Full name: 1 to 30 characters, not only whitespace, no NUL characters.",
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
