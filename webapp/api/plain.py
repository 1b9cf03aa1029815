"""Plain JSON reads answered without Django REST framework's request cycle.

Nearly every read of the API is a GET that asks for plain JSON: no Accept header, ``*/*`` or
``application/json``, no ``?format=``. For a view whose one renderer is FastJSONRenderer, DRF's
answer to such a request is fixed: the body ``dumps(data)``, the media type
``application/json``, the view's default headers (``Allow``); authentication, permissions,
throttling and versioning are empty in this service (settings.REST_FRAMEWORK). Yet DRF's
request cycle around it (a view instance, a ``Request``, the negotiation, those empty checks,
``finalize_response``) was a fifth of a GET of one user in process (docs/performance.md).

A view with ``PlainJSONReads`` answers such a GET from its ``plain_get`` directly (by default the
JSON of what its ``read`` returns); every other request (another method, any other Accept,
``?format=``) goes through DRF's dispatch as before.
An exception goes to the API's one exception handler, whose answer gets the same headers that
DRF would add, so the two paths give the same status, headers and body
(tests/unit/test_plain_reads.py). A view with authentication, permission, throttle or
versioning classes, or with another renderer, is served by DRF alone.
"""

from __future__ import annotations

from functools import update_wrapper

from django.http import HttpResponse
from rest_framework.response import Response

from webapp.api.negotiation import asks_for_plain_json
from webapp.api.renderers import FastJSONRenderer, json_response


def answers_plainly(view_class) -> bool:
    """Whether DRF's answer to a plain JSON GET on this view is fixed, as the module says."""
    renderers = view_class.renderer_classes
    return (
        len(renderers) == 1
        and issubclass(renderers[0], FastJSONRenderer)
        and renderers[0].media_type == "application/json"
        and not view_class.authentication_classes
        and not view_class.permission_classes
        and not view_class.throttle_classes
        and view_class.versioning_class is None
        and "get" in view_class.http_method_names
    )


class PlainJSONReads:
    """A mixin for an APIView: a plain JSON GET is answered with ``plain_get(**url_kwargs)``,
    which must give the answer the view's GET gives such a request, without its headers."""

    @staticmethod
    def read(**kwargs):
        """The data a GET answers with, from the URL's arguments; raises what the view's GET
        would raise (the exception handler answers it)."""
        raise NotImplementedError

    @classmethod
    def plain_get(cls, **kwargs) -> HttpResponse:
        """By default, the JSON of ``read``: override either."""
        return json_response(cls.read(**kwargs))

    @classmethod
    def as_view(cls, **initkwargs):
        drf_view = super().as_view(**initkwargs)
        if not answers_plainly(cls):
            return drf_view
        settings = cls.settings
        format_param = settings.URL_FORMAT_OVERRIDE
        handle_exception = settings.EXCEPTION_HANDLER
        renderer = cls.renderer_classes[0]()
        # DRF's finalize_response adds these to every answer of the view, errors included; read
        # from a view set up as Django sets one up for a request (its HEAD is its GET).
        example = cls(**initkwargs)
        example.setup(None)
        headers = example.default_response_headers

        def view(request, *args, **kwargs):
            if request.method != "GET" or not asks_for_plain_json(request, format_param):
                return drf_view(request, *args, **kwargs)
            try:
                response = cls.plain_get(**kwargs)
            except Exception as exc:
                context = {"view": None, "args": args, "kwargs": kwargs, "request": request}
                response = handle_exception(exc, context)
                if response is None:
                    raise  # as DRF re-raises it: JSONErrorMiddleware answers a logged 500
                response.exception = True
            if isinstance(response, Response):
                # What finalize_response sets for Django to render it, as for any DRF answer.
                response.accepted_renderer = renderer
                response.accepted_media_type = renderer.media_type
                response.renderer_context = {"args": args, "kwargs": kwargs, "request": request}
            for name, value in headers.items():
                response[name] = value
            return response

        # cls, initkwargs, view_class, csrf_exempt: what the URL resolver's users (the schema
        # generator, the deprecation headers) read from a view.
        return update_wrapper(view, drf_view)
