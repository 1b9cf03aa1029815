"""A test-only URLconf with a deprecated operation and a deprecated response field.

Nothing of the real API is deprecated; tests/unit/test_deprecation.py serves these views (with
settings.ROOT_URLCONF pointing here) and generates their schema.
"""

from django.urls import path
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.api.deprecation import deprecated, deprecated_fields
from webapp.api.schema import NOT_FOUND

ON, SUNSET, LINK = "2026-12-01", "2027-06-30", "https://docs.example.org/widgets-v2"


@deprecated_fields(nickname={"on": ON, "sunset": SUNSET, "link": LINK})
class WidgetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()


WIDGET = OpenApiResponse(
    WidgetSerializer, "The widget.", [OpenApiExample("Widget", {"id": 1, "nickname": "w"})]
)


class OldWidgetView(APIView):
    http_method_names = ["get"]

    @deprecated(on=ON, sunset=SUNSET, link=LINK)
    @extend_schema(operation_id="getOldWidget", responses={200: WIDGET, 404: NOT_FOUND})
    def get(self, request):
        if request.query_params.get("missing"):
            raise NotFound("No widget.")
        headers = {"Link": '</api/widgets/2/>; rel="next"'} if "link" in request.GET else {}
        return Response({"id": 1, "nickname": "w"}, headers=headers)


class WidgetView(APIView):
    http_method_names = ["get"]

    @extend_schema(operation_id="getWidget", responses={200: WIDGET})
    def get(self, request):
        return Response({"id": 1, "nickname": "w"})


urlpatterns = [
    path("api/old-widget/", OldWidgetView.as_view()),
    path("api/widget/", WidgetView.as_view()),
]
