"""API v1 of agreements, signatures and documents (SPEC §7). Thin: parse, call, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.observability import client_address
from config.ratelimits import CodeEntryThrottle, CodeRequestThrottle
from documents import generation, papers, selectors, services
from documents.api.serializers import (
    AgreementInputSerializer,
    AgreementSerializer,
    DocumentSerializer,
    MediatorSignatureCreateSerializer,
    SignatoryStatusSerializer,
    SignatureCreateSerializer,
    SigningCodeRequestSerializer,
    SigningCodeSentSerializer,
)
from documents.models import DocumentKind, DocumentLanguage
from documents.signatories import signing_status
from mediation.cases.selectors import dispute_get
from mediation.kernel.exceptions import NotFound

LANG_PARAMETER = OpenApiParameter(
    "lang", str, OpenApiParameter.QUERY, enum=DocumentLanguage.values, default="zh-hans"
)


def _agreement_response(dispute: Any, code: int = status.HTTP_200_OK) -> Response:
    agreement = selectors.agreement_with_terms(dispute)
    if agreement is None:
        raise NotFound(_("This case has no agreement yet."))
    context = {"statuses": signing_status(dispute)}
    return Response(AgreementSerializer(agreement, context=context).data, status=code)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", DocumentLanguage.ZH_HANS)
    if lang not in DocumentLanguage.values:
        raise ValidationError(
            {
                "lang": [
                    _("Choose one of: %(allowed)s.")
                    % {"allowed": ", ".join(DocumentLanguage.values)}
                ]
            }
        )
    return lang


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class AgreementView(APIView):
    """The case's agreement: structured terms, versions, and who has signed."""

    @extend_schema(responses={200: AgreementSerializer})
    def get(self, request: Request, dispute_id: int) -> Response:
        return _agreement_response(dispute_get(request.user, dispute_id))

    @extend_schema(request=AgreementInputSerializer, responses={200: AgreementSerializer})
    def put(self, request: Request, dispute_id: int) -> Response:
        payload = AgreementInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.save_agreement(
            actor=request.user,
            dispute_id=dispute_id,
            data=payload.to_input(),
            expected_version=payload.validated_data.get("expected_version"),
        )
        return _agreement_response(dispute_get(request.user, dispute_id))


class SignaturesView(APIView):
    """Signatures of the current version; POST signs for one signatory."""

    throttle_classes = [CodeEntryThrottle]

    @extend_schema(responses={200: SignatoryStatusSerializer(many=True)})
    def get(self, request: Request, dispute_id: int) -> Response:
        dispute = dispute_get(request.user, dispute_id)
        return Response(SignatoryStatusSerializer(signing_status(dispute), many=True).data)

    @extend_schema(request=SignatureCreateSerializer, responses={201: AgreementSerializer})
    def post(self, request: Request, dispute_id: int) -> Response:
        payload = SignatureCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.record_signature(
            actor=request.user,
            dispute_id=dispute_id,
            data=payload.to_input(),
            ip=client_address(request) or None,
        )
        return _agreement_response(
            dispute_get(request.user, dispute_id), code=status.HTTP_201_CREATED
        )


class MediatorSignatureView(APIView):
    """The assigned mediator signs last; the agreement then takes effect under the body's seal
    (`sign`). 403 for anyone else, 409 before every party has signed."""

    @extend_schema(request=MediatorSignatureCreateSerializer, responses={201: AgreementSerializer})
    def post(self, request: Request, dispute_id: int) -> Response:
        payload = MediatorSignatureCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.record_mediator_signature(
            actor=request.user,
            dispute_id=dispute_id,
            data=payload.to_input(),
            ip=client_address(request) or None,
        )
        return _agreement_response(
            dispute_get(request.user, dispute_id), code=status.HTTP_201_CREATED
        )


class SigningCodeView(APIView):
    """A party with a portal account asks for a one-time code to sign online."""

    throttle_classes = [CodeRequestThrottle]

    @extend_schema(request=SigningCodeRequestSerializer, responses={201: SigningCodeSentSerializer})
    def post(self, request: Request, dispute_id: int) -> Response:
        payload = SigningCodeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        sent_to = services.request_signing_code(
            actor=request.user,
            dispute_id=dispute_id,
            signatory=payload.validated_data["signatory"],
        )
        return Response({"sent_to": sent_to}, status=status.HTTP_201_CREATED)


class AgreementPreviewView(APIView):
    """The agreement as it stands, unsigned: to read before signing."""

    @extend_schema(
        parameters=[LANG_PARAMETER],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, dispute_id: int) -> HttpResponse:
        dispute = dispute_get(request.user, dispute_id)
        if not selectors.has_agreement(dispute):
            raise NotFound(_("This case has no agreement yet."))
        pdf = generation.preview_agreement(dispute, _lang(request))
        return _pdf(pdf, f"{dispute.reference}-draft.pdf")


class DocumentListView(APIView):
    """The documents this case has reached, and the copies already generated."""

    @extend_schema(responses={200: DocumentSerializer(many=True)})
    def get(self, request: Request, dispute_id: int) -> Response:
        dispute = dispute_get(request.user, dispute_id)
        stored = selectors.documents_of(dispute)
        items = [
            {
                "kind": kind,
                "label": generation.paper_label(kind, dispute.body.kind),
                "languages": DocumentLanguage.values,
                "documents": [d for d in stored if d.kind == kind],
                "pdf": reverse("api-document-pdf", args=[dispute.pk, kind]),
            }
            for kind in generation.kinds_for(request.user, dispute)
        ]
        return Response(DocumentSerializer(items, many=True).data)


class DocumentPdfView(APIView):
    """Download a signed document; generated and stored the first time it is asked for."""

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=DocumentKind.values),
            LANG_PARAMETER,
        ],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, dispute_id: int, kind: str) -> HttpResponse:
        dispute = dispute_get(request.user, dispute_id)
        if not generation.may_read_kind(request.user, dispute, kind):
            raise NotFound(_("This case has no such document yet."))
        document = papers.paper(dispute.pk, kind, _lang(request))
        data = generation.pdf_of(document)
        return _pdf(data, f"{dispute.reference}-{kind}-{document.lang}.pdf")
