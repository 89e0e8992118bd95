"""API v1 of a session's minutes (调解笔录): who present has signed, signing in person, and the
signed PDF. Readable by whom `mediation.cases.minutes` lets read the minutes (404 for anyone
else); signatures are recorded by the case's mediator or a director of its body."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.observability import client_address
from documents import generation, selectors
from documents.api.serializers import _image_bytes
from documents.api.views import LANG_PARAMETER, _lang, _pdf
from documents.minutes import (
    MinutesSigner,
    is_signable,
    minutes_document,
    minutes_gaps,
    minutes_signers,
    session_number,
)
from documents.minutes_signing import MinutesSignatureInput, record_minutes_signature
from mediation.cases.models import MediationSession


class MinutesSignerSerializer(serializers.Serializer):
    attendee = serializers.IntegerField(allow_null=True, help_text="the case party present")
    mediator = serializers.IntegerField(allow_null=True, help_text="a mediator of the session")
    name = serializers.CharField()
    role = serializers.CharField(help_text="the attendee's role in the case, or “mediator”")
    role_label = serializers.CharField()
    status = serializers.ChoiceField(choices=["signed", "refused", "unsigned"])
    signer_name = serializers.CharField(allow_blank=True)
    representative_name = serializers.CharField(allow_blank=True)
    representative_role = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True, help_text="a refusal: the mediator's note")
    signed_at = serializers.DateTimeField(allow_null=True)


class MinutesSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    number = serializers.IntegerField(help_text="the session's place among the held ones: 第N次")
    kind = serializers.CharField()
    signable = serializers.BooleanField(help_text="held, with its minutes")
    complete = serializers.BooleanField(help_text="everyone present has signed or refused")
    gaps = serializers.ListField(child=serializers.CharField(), help_text="what is missing")
    pdf = serializers.CharField(allow_null=True, help_text="the signed PDF, once complete")
    signers = MinutesSignerSerializer(many=True)


class MinutesSignatureCreateSerializer(serializers.Serializer):
    attendee = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="the attendee who signs"
    )
    mediator = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="or the mediator who signs"
    )
    signer_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="typed by hand"
    )
    image = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="the drawn signature, a complete PNG of at least 80×30 pixels, base64 or a "
        "data: URI; none for a refusal",
    )
    representative_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    representative_role = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    refused = serializers.BooleanField(
        required=False, default=False, help_text="an attendee refuses to sign (拒绝签字)"
    )
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="for a refusal"
    )

    def validate_image(self, value: str) -> bytes:
        return _image_bytes(value)

    def to_input(self) -> MinutesSignatureInput:
        return MinutesSignatureInput(**self.validated_data)


def _signer(signer: MinutesSigner) -> dict[str, Any]:
    signature = signer.signature
    return {
        "attendee": signer.attendee.pk if signer.attendee else None,
        "mediator": signer.mediator.pk if signer.mediator else None,
        "name": signer.name,
        "role": signer.attendee.role if signer.attendee else "mediator",
        "role_label": signer.role_label,
        "status": signer.status,
        "signer_name": signature.signer_name if signature else "",
        "representative_name": signature.representative_name if signature else "",
        "representative_role": signature.representative_role if signature else "",
        "note": signature.note if signature else "",
        "signed_at": signature.signed_at if signature else None,
    }


def _minutes(session: MediationSession, code: int = status.HTTP_200_OK) -> Response:
    signers = minutes_signers(session)
    gaps = minutes_gaps(session)
    complete = is_signable(session) and not gaps
    pdf = reverse("api-minutes-pdf", args=[session.dispute_id, session.pk]) if complete else None
    data = {
        "session": session.pk,
        "number": session_number(session),
        "kind": session.kind,
        "signable": is_signable(session),
        "complete": complete,
        "gaps": gaps,
        "pdf": pdf,
        "signers": [_signer(s) for s in signers],
    }
    return Response(MinutesSerializer(data).data, status=code)


class MinutesSignaturesView(APIView):
    """Who present at the session has signed its minutes; POST records one signature or
    refusal (the case's mediator or a director, in person)."""

    @extend_schema(responses={200: MinutesSerializer})
    def get(self, request: Request, dispute_id: int, session_id: int) -> Response:
        return _minutes(selectors.minutes_session_get(request.user, dispute_id, session_id))

    @extend_schema(request=MinutesSignatureCreateSerializer, responses={201: MinutesSerializer})
    def post(self, request: Request, dispute_id: int, session_id: int) -> Response:
        selectors.minutes_session_get(request.user, dispute_id, session_id)
        payload = MinutesSignatureCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = record_minutes_signature(
            actor=request.user,
            dispute_id=dispute_id,
            session_id=session_id,
            data=payload.to_input(),
            ip=client_address(request) or None,
        )
        return _minutes(result.signature.session, code=status.HTTP_201_CREATED)


class MinutesPdfView(APIView):
    """The signed minutes; generated and sealed the first time, 409 until everyone present has
    signed or refused."""

    @extend_schema(
        parameters=[LANG_PARAMETER],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, dispute_id: int, session_id: int) -> HttpResponse:
        session = selectors.minutes_session_get(request.user, dispute_id, session_id)
        document = minutes_document(session, _lang(request))
        data = generation.pdf_of(document)
        number = session_number(session)
        return _pdf(data, f"{session.dispute.reference}-minutes-{number}-{document.lang}.pdf")
