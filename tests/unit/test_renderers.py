"""The orjson renderer writes exactly what DRF's JSONRenderer writes, byte for byte."""

import sys

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from webapp.api.renderers import FastJSONRenderer, dumps

DRF = JSONRenderer()
FAST = FastJSONRenderer()

EVERY_CHARACTER = "".join(chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF)


def test_every_unicode_character_is_written_as_drf_writes_it():
    # Control characters, quotes, backslashes, DEL, U+2028/U+2029 (escaped for JavaScript by
    # DRF), non-BMP characters: one string holding every code point but the surrogates.
    assert FAST.render(EVERY_CHARACTER, "application/json") == DRF.render(
        EVERY_CHARACTER, "application/json"
    )
    assert dumps({"dni": EVERY_CHARACTER}) == DRF.render({"dni": EVERY_CHARACTER})


@pytest.mark.parametrize(
    "data",
    [
        [],
        {},
        [{"id": 1, "dni": "0102030405", "name": "Ada Lovelace"}],
        {"id": 2**63 - 1, "dni": "\u2028", "name": "a\u2029b\u2028"},
        {"detail": ErrorDetail("Not found.", code="not_found")},
        {"detail": "x", "errors": {"dni": ["Must be a string."], "name": []}},
        {"a": None, "b": True, "c": False, "d": -1, "e": [[], {}]},
        {"lazy": gettext_lazy("This field is required.")},
    ],
)
def test_payloads_render_identically(data):
    assert FAST.render(data, "application/json") == DRF.render(data, "application/json")


@pytest.mark.parametrize("media_type", ["application/json; indent=4", "application/json; indent=2"])
def test_indented_output_is_drfs(media_type):
    data = [{"id": 1, "dni": "d", "name": "\u2028"}]
    assert FAST.render(data, media_type) == DRF.render(data, media_type)
    assert b"\n" in FAST.render(data, media_type)


def test_indent_from_the_renderer_context_is_drfs():
    data = {"id": 1}
    assert FAST.render(data, "application/json", {"indent": 3}) == DRF.render(
        data, "application/json", {"indent": 3}
    )


@pytest.mark.parametrize("data", [{"big": 2**64}, {1: "non-string key"}])
def test_what_orjson_refuses_falls_back_to_drf(data):
    assert FAST.render(data, "application/json") == DRF.render(data, "application/json")


def test_no_data_is_an_empty_body():
    assert FAST.render(None) == b""
