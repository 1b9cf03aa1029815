"""One error shape for every client error: ``{"detail": "...", "errors": {...}?}``."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from webapp.api import messages
from webapp.api.renderers import json_response
from webapp.users.errors import UserAlreadyExists, UserNotFound

logger = logging.getLogger(__name__)


def error_body(detail: str, errors: dict | None = None) -> dict:
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return body


def json_error(status_code: int, detail: str, errors: dict | None = None) -> HttpResponse:
    """An error answered outside DRF (middleware, unrouted paths), byte for byte what DRF's
    renderer writes for the same body inside a view: compact UTF-8 JSON."""
    return json_response(error_body(detail, errors), status_code)


def _flatten(errors) -> list[str]:
    """Messages of a DRF error tree, prefixed with the field path they belong to."""
    if isinstance(errors, dict):
        return [
            f"{field}: {message}" if field != "non_field_errors" else message
            for field, value in errors.items()
            for message in _flatten(value)
        ]
    if isinstance(errors, list):
        return [message for item in errors for message in _flatten(item)]
    return [str(errors)]


def validation_error_body(exc: exceptions.ValidationError) -> dict:
    detail = exc.detail
    if isinstance(detail, dict):
        errors = {
            field: [str(message) for message in _flatten(value)]
            for field, value in detail.items()
            if field != "non_field_errors"
        }
        lines = _flatten(detail)
    else:
        errors = None
        lines = _flatten(detail)
    return error_body(messages.INVALID_INPUT_PREFIX + "; ".join(lines), errors)


def is_database_outage(exc: BaseException) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def database_unavailable() -> HttpResponse:
    response = json_error(503, messages.DATABASE_UNAVAILABLE)
    response["Retry-After"] = "5"
    return response


# The answer each domain error gets: its status and the detail of its body. Http404, which Django
# code raises for the same reason as UserNotFound, gets the same answer.
DOMAIN_ERRORS = {
    UserAlreadyExists: (status.HTTP_400_BAD_REQUEST, messages.USER_ALREADY_EXISTS),
    UserNotFound: (status.HTTP_404_NOT_FOUND, messages.NOT_FOUND),
    Http404: (status.HTTP_404_NOT_FOUND, messages.NOT_FOUND),
}


def domain_error_response(exc: Exception) -> Response | None:
    """The answer to a domain error (or Http404), or None for any other exception."""
    for error_class, (status_code, detail) in DOMAIN_ERRORS.items():
        if isinstance(exc, error_class):
            return Response(error_body(detail), status=status_code)
    return None


def exception_handler(exc, context):
    """DRF exception handler: every error leaves as ``{"detail": ...}`` JSON.

    Views and services raise; within DRF views only this function turns that into a response.
    Anything it does not know (returns None for) is re-raised by DRF and becomes a logged JSON
    500 in JSONErrorMiddleware.
    """
    if isinstance(exc, exceptions.ValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        return Response(error_body(str(exc.detail)), status=exc.status_code)
    response = domain_error_response(exc)
    if response is not None:
        return response
    if is_database_outage(exc):
        logger.error("database unavailable: %s", exc)
        return database_unavailable()
    return None
