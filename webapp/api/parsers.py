"""Request parsing."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from webapp.api import messages


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, plus a clean 400 for documents nested too deeply to parse.

    ``json`` raises RecursionError (not ValueError) on deep nesting, which DRF lets escape as a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(messages.JSON_TOO_DEEP) from None
