"""One error shape for every client error: ``{"detail": "...", "errors": {...}?}``."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

NOT_FOUND = "Not found."
DATABASE_UNAVAILABLE = "The database is unavailable; retry later."
SERVER_ERROR = "Internal server error; the failure was logged."
LENGTH_REQUIRED = (
    "Send the body with a Content-Length header; chunked transfer encoding is not supported."
)


def error_body(detail: str, errors: dict | None = None) -> dict:
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return body


def json_error(status_code: int, detail: str, errors: dict | None = None) -> JsonResponse:
    return JsonResponse(error_body(detail, errors), status=status_code)


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
        messages = _flatten(detail)
    else:
        errors = None
        messages = _flatten(detail)
    return error_body("Invalid input: " + "; ".join(messages), errors)


def is_database_outage(exc: BaseException) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def database_unavailable() -> JsonResponse:
    response = json_error(503, DATABASE_UNAVAILABLE)
    response["Retry-After"] = "5"
    return response


def exception_handler(exc, context):
    """DRF exception handler: every error leaves as ``{"detail": ...}`` JSON.

    Anything it does not know (returns None for) is re-raised by DRF and becomes a logged JSON 500
    in JSONErrorMiddleware.
    """
    if isinstance(exc, exceptions.ValidationError):
        set_rollback()
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        set_rollback()
        return Response(error_body(str(exc.detail)), status=exc.status_code)
    if isinstance(exc, Http404):
        return Response(error_body(NOT_FOUND), status=status.HTTP_404_NOT_FOUND)
    if is_database_outage(exc):
        logger.error("database unavailable: %s", exc)
        set_rollback()
        return database_unavailable()
    return None
