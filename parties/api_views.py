"""API for a body's record of a party: personal data on request (parties/personal_data.py), a
portal account for the party, and a new phone number on the record (parties/accounts.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from parties import accounts
from parties.personal_data import erase_personal_data, export_personal_data
from parties.serializers import PhoneField


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


class PhoneChangeSerializer(serializers.Serializer):
    phone = PhoneField(
        help_text="The new number: a mobile (13800138000), or a landline with its area code "
        "(0791-86123456); digits and that hyphen only, without +86."
    )
    code = serializers.RegexField(
        r"^\d{6}$",
        required=False,
        help_text="The code sent to the party's portal number, which they read out.",
    )
    decision = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="A director's decision and its reason, instead of the party's code.",
    )


class PhoneChangeCodeView(APIView):
    """Send the party a code, to the number their portal account proved, with which they
    confirm a new phone on the body's record. Answers the masked number."""

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, party_id: int) -> Response:
        sent_to = accounts.request_phone_change_code(actor=request.user, party_id=party_id)
        return Response({"sent_to": sent_to})


class PhoneChangeView(APIView):
    """A new phone on a body's record. For a party who uses the portal: with the code they
    were sent, or a director's decision; the old number is told."""

    @extend_schema(request=PhoneChangeSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, party_id: int) -> Response:
        payload = PhoneChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        party = accounts.change_phone(
            actor=request.user, party_id=party_id, **payload.validated_data
        )
        return Response({"party": party.pk, "phone": party.masked_phone})


class PortalAccountView(APIView):
    """Open a portal account for the party on the record's phone and ID number."""

    @extend_schema(request=None, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, party_id: int) -> Response:
        account = accounts.open_portal_account(actor=request.user, party_id=party_id)
        return Response(
            {"account": account.pk, "phone": account.masked_phone},
            status=status.HTTP_201_CREATED,
        )
