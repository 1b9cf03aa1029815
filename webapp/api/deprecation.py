"""Deprecating an operation or a response field, with the date it may go away (its sunset).

    @deprecated(on="2026-12-01", sunset="2027-06-30", link="https://docs.example.org/migrate")
    def get(self, request): ...                      # a view's handler: the operation

    @deprecated_fields(nickname={"on": "2026-12-01", "sunset": "2027-06-30"})
    class UserSerializer(serializers.Serializer): ...  # a serializer: some of its fields

The contract then says ``deprecated: true`` and ``x-sunset: 'YYYY-MM-DD'`` on the operation or
the field (the hook ``webapp.api.schema.add_deprecations``), and documents the headers below on
every response of a deprecated operation. DeprecationHeadersMiddleware sends them on every
response of that operation, errors included:

- ``Deprecation: @<unix seconds>`` (RFC 9745): since when it is deprecated (00:00 UTC that day);
- ``Sunset: <HTTP-date>`` (RFC 8594): from when it may stop working (00:00:00 GMT that day);
- ``Link: <url>; rel="deprecation"``: where to read what to use instead.

The breaking-change check (harness/contract/breaking.py) lets a later release remove the
operation or the field once the sunset date in the base contract has come, not before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import Resolver404, resolve
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema, extend_schema_serializer

DOCS_URL = "/api/docs/"
# The extension that carries a deprecation's dates and link from the decorator to the hook,
# which removes it: the contract shows x-sunset and the headers, not this.
NOTICE_KEY = "x-deprecation-notice"
# View handlers that are deprecated: while there is none, the middleware does nothing.
DEPRECATED_HANDLERS: set = set()


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _midnight(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


@dataclass(frozen=True)
class Deprecation:
    on: dt.date
    sunset: dt.date
    link: str = DOCS_URL

    def __post_init__(self):
        if self.sunset <= self.on:
            raise ValueError(
                f"a sunset ({self.sunset}) must come after the deprecation ({self.on})"
            )

    @classmethod
    def of(cls, on, sunset, link: str = DOCS_URL) -> Deprecation:
        return cls(_date(on), _date(sunset), link)

    def headers(self) -> dict[str, str]:
        return {
            "Deprecation": f"@{_midnight(self.on)}",
            "Sunset": http_date(_midnight(self.sunset)),
            "Link": f'<{self.link}>; rel="deprecation"',
        }


def deprecated(*, on, sunset, link: str = DOCS_URL):
    """Marks a view's handler (its operation) deprecated from ``on``, until ``sunset``."""
    notice = Deprecation.of(on, sunset, link)
    schema = extend_schema(
        deprecated=True,
        extensions={
            "x-sunset": notice.sunset.isoformat(),
            NOTICE_KEY: {"on": notice.on.isoformat(), "link": notice.link},
        },
    )

    def decorate(handler):
        handler = schema(handler)
        handler.deprecation = notice
        DEPRECATED_HANDLERS.add(handler)
        return handler

    return decorate


def deprecated_fields(**fields):
    """Marks fields of a serializer deprecated: ``name={"on": ..., "sunset": ..., "link": ...}``."""
    notices = {name: Deprecation.of(**dates) for name, dates in fields.items()}

    def decorate(serializer_class):
        serializer_class = extend_schema_serializer(deprecate_fields=list(notices))(
            serializer_class
        )
        serializer_class.field_deprecations = notices
        return serializer_class

    return decorate


def notice_for(request) -> Deprecation | None:
    """The deprecation of the operation this request calls, if it is deprecated."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before routing (a middleware's 400, 411 or 413)
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return None
    view_class = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    method = request.method.lower()
    handler = getattr(view_class, method, None) or (
        getattr(view_class, "get", None) if method == "head" else None
    )
    return getattr(handler, "deprecation", None)
