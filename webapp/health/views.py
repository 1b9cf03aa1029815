"""Liveness and readiness probes, answered as JSON."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.api import messages, schema
from webapp.health.checks import readiness_problem

STATUS = inline_serializer("HealthStatus", {"status": serializers.CharField()})


class LivenessView(APIView):
    http_method_names = ["get", "head"]

    @extend_schema(
        operation_id="getLiveness",
        summary="Liveness probe",
        description=(
            "The process is up. Does not touch the database, so an outage never restarts it."
        ),
        tags=["health"],
        responses={
            200: OpenApiResponse(
                STATUS, "The process is up.", examples=[OpenApiExample("Up", {"status": "ok"})]
            ),
            406: schema.NOT_ACCEPTABLE,
        },
    )
    def get(self, request):
        return Response({"status": "ok"})


class ReadinessView(APIView):
    http_method_names = ["get", "head"]

    @extend_schema(
        operation_id="getReadiness",
        summary="Readiness probe",
        description="The database answers and every migration is applied.",
        tags=["health"],
        responses={
            200: OpenApiResponse(
                STATUS, "Ready to serve.", examples=[OpenApiExample("Ready", {"status": "ok"})]
            ),
            406: schema.NOT_ACCEPTABLE,
            503: schema.error_response(
                "Not ready: the database is unreachable or migrations are pending.",
                ("MigrationsPending", messages.migrations_pending(["users.0001_initial"])),
            ),
        },
    )
    def get(self, request):
        problem = readiness_problem()
        if problem:
            return Response({"detail": problem}, status=503, headers={"Retry-After": "5"})
        return Response({"status": "ok"})
