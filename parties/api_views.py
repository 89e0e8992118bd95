"""API for a party's personal data on request (issue #7, parties/personal_data.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .personal_data import erase_personal_data, export_personal_data


class ExportRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ErasureRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="The party's request, as recorded.")


class PersonalDataExportView(APIView):
    """Everything held about a party, as JSON; the request is recorded."""

    @extend_schema(request=ExportRequestSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, party_id: int) -> Response:
        payload = ExportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = export_personal_data(
            actor=request.user, party_id=party_id, reason=payload.validated_data.get("reason", "")
        )
        return Response(data)


class PersonalDataErasureView(APIView):
    """Erase a party's particulars once their cases' retention has run (409 says which cases
    keep them)."""

    @extend_schema(request=ErasureRequestSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, party_id: int) -> Response:
        payload = ErasureRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result: dict[str, Any] = erase_personal_data(
            actor=request.user, party_id=party_id, reason=payload.validated_data["reason"]
        )
        return Response(result, status=status.HTTP_200_OK)
