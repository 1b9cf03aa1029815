"""The API root, and the JSON 404 for every path no route claims."""

from django.urls import reverse
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.api import messages, schema
from webapp.api.errors import json_error


class ApiRootView(APIView):
    http_method_names = ["get", "head"]

    @schema.operation(
        "getApiRoot",
        "API root",
        "Links to the collections of the API, as in the original service.",
        {
            200: schema.ok(
                inline_serializer("ApiRoot", {"users": serializers.URLField()}),
                "Links to each collection.",
                "Root",
                {"users": "http://localhost:8000/api/users/"},
            ),
            400: schema.DISALLOWED_HOST,
            406: schema.NOT_ACCEPTABLE,
        },
    )
    def get(self, request):
        return Response({"users": request.build_absolute_uri(reverse("user-list"))})


def not_found(request, *args, **kwargs):
    """Claims every unrouted path, whatever the method, so it gets the API's JSON 404 and never
    Django's HTML page (which DEBUG would turn into a debug page)."""
    return json_error(404, messages.NOT_FOUND)
