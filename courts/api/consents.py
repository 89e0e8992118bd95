"""The parties' consents to apply jointly for judicial confirmation, nested under a dispute:
`GET/POST /api/v1/disputes/{id}/confirmation-consents/` and `POST …/code/` (online consent);
and the agents' special powers of attorney that let them consent:
`PUT /api/v1/disputes/{id}/parties/{case_party}/power-of-attorney/`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.ratelimits import CodeEntryThrottle, CodeRequestThrottle
from courts import consents
from courts.models import ConfirmationConsent, ConsentMethod
from mediation.cases.selectors import dispute_get
from parties import authority
from parties.models import AuthorityScope


class ConfirmationConsentSerializer(serializers.ModelSerializer):
    party_name = serializers.CharField(source="party.party.name", read_only=True)
    given_by_name = serializers.CharField(source="given_by.party.name", read_only=True)
    given_by_role = serializers.CharField(source="given_by.role", read_only=True)
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.get_username", read_only=True)

    class Meta:
        model = ConfirmationConsent
        fields = [
            "id",
            "party",
            "party_name",
            "given_by",
            "given_by_name",
            "given_by_role",
            "method",
            "method_label",
            "at",
            "recorded_by",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class ConsentCreateSerializer(serializers.Serializer):
    party = serializers.IntegerField(help_text="The applicant or respondent who consents.")
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    given_by = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="In person: the party's agent who consents for them (special authority).",
    )
    code = serializers.CharField(required=False, allow_blank=True, help_text="Online: the code.")


class ConsentCodeRequestSerializer(serializers.Serializer):
    party = serializers.IntegerField(
        help_text="The party consented for: yourself or whom you act for."
    )


class ConsentCodeSentSerializer(serializers.Serializer):
    sent_to = serializers.CharField()


class ConfirmationConsentsView(APIView):
    """Every consent given in the case (voided ones too); POST records one."""

    throttle_classes = [CodeEntryThrottle]

    @extend_schema(responses={200: ConfirmationConsentSerializer(many=True)})
    def get(self, request: Request, dispute_id: int) -> Response:
        dispute = dispute_get(request.user, dispute_id)
        return Response(
            ConfirmationConsentSerializer(consents.consent_history(dispute), many=True).data
        )

    @extend_schema(request=ConsentCreateSerializer, responses={201: ConfirmationConsentSerializer})
    def post(self, request: Request, dispute_id: int) -> Response:
        payload = ConsentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data: dict[str, Any] = payload.validated_data
        consent = consents.record_confirmation_consent(
            actor=request.user,
            dispute_id=dispute_id,
            party=data["party"],
            method=data["method"],
            given_by=data.get("given_by"),
            code=data.get("code", ""),
        )
        return Response(ConfirmationConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


class ConfirmationConsentCodeView(APIView):
    """A party with a portal account asks for a one-time code to consent online."""

    throttle_classes = [CodeRequestThrottle]

    @extend_schema(request=ConsentCodeRequestSerializer, responses={201: ConsentCodeSentSerializer})
    def post(self, request: Request, dispute_id: int) -> Response:
        payload = ConsentCodeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        sent_to = consents.request_consent_code(
            actor=request.user, dispute_id=dispute_id, party=payload.validated_data["party"]
        )
        return Response({"sent_to": sent_to}, status=status.HTTP_201_CREATED)


class PowerOfAttorneySerializer(serializers.Serializer):
    scope = serializers.ListField(
        child=serializers.ChoiceField(choices=AuthorityScope.choices),
        allow_empty=True,
        help_text="What the special authority covers; empty withdraws it.",
    )
    dated = serializers.DateField(required=False, allow_null=True)
    document = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PowerOfAttorneyView(APIView):
    """An agent's special power of attorney (特别授权), recorded by the body or the mediator."""

    @extend_schema(request=PowerOfAttorneySerializer, responses={200: PowerOfAttorneySerializer})
    def put(self, request: Request, dispute_id: int, case_party_id: int) -> Response:
        payload = PowerOfAttorneySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        agent = authority.record_power_of_attorney(
            actor=request.user,
            dispute_id=dispute_id,
            case_party_id=case_party_id,
            scope=data["scope"],
            dated=data.get("dated"),
            document=data.get("document", ""),
        )
        return Response(
            {
                "scope": agent.authority_scope,
                "dated": agent.authority_date,
                "document": agent.authority_document,
            }
        )
