"""API v1 for court linkage: /api/v1/referrals/ (SPEC §7). Thin: parse, call a service, answer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.schema import CONFLICT_STATE, split_by_name
from courts import selectors, services
from courts.api.filters import ReferralFilter
from courts.api.serializers import (
    REFERRAL_STEP_INPUTS,
    DelegationCreateSerializer,
    OutboundReferralCreateSerializer,
    ReferralDetailSerializer,
    ReferralLogSerializer,
    ReferralSerializer,
    ReferralStepSerializer,
    ReferralTransitionInputSerializer,
)
from courts.models import INBOUND_KINDS, OUTBOUND_KINDS, Referral
from mediation.kernel.api.pagination import ONE_CASE_LIST
from mediation.kernel.api.steps import StepsMixin
from mediation.kernel.exceptions import Forbidden
from mediation.kernel.presentation import display_names
from mediation.kernel.roles import scope_of
from parties.serializers import PartyInputSerializer

CREATE_REQUEST = PolymorphicProxySerializer(
    component_name="ReferralCreate",
    serializers={
        "delegation": DelegationCreateSerializer,
        "entrustment": DelegationCreateSerializer,
        "litigation": OutboundReferralCreateSerializer,
        "confirmation": OutboundReferralCreateSerializer,
    },
    resource_type_field_name="kind",
)


class ReferralViewSet(
    StepsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Crossings between mediation bodies and courts, scoped to the caller's court or body."""

    serializer_class = ReferralDetailSerializer
    filterset_class = ReferralFilter
    http_method_names = ["get", "post", "head", "options"]
    step_input_serializer = ReferralTransitionInputSerializer

    def get_queryset(self) -> QuerySet[Referral]:
        return selectors.referral_list_with_parties(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ReferralSerializer if self.action == "list" else ReferralDetailSerializer

    def detail_object(self, pk: Any) -> Referral:
        return selectors.referral_get(self.request.user, pk, with_parties=True)

    def available_steps(self, pk: Any) -> list[tuple[str, str]]:
        referral = selectors.referral_get(self.request.user, pk)
        names = selectors.available_referral_actions(referral, self.request.user)
        return [(name, services.step_label(name)) for name in names]

    def take(self, pk: Any, name: str, data: dict[str, Any], expected_state: Any) -> None:
        services.take_referral_transition(
            actor=self.request.user,
            referral_id=pk,
            name=name,
            data=data,
            expected_state=expected_state,
        )

    @extend_schema(request=CREATE_REQUEST, responses={201: ReferralDetailSerializer})
    def create(self, request: Request) -> Response:
        kind = request.data.get("kind") if isinstance(request.data, dict) else None
        if not isinstance(kind, str):
            kind = None
        if kind in INBOUND_KINDS:
            return self._delegate(request)
        if kind in OUTBOUND_KINDS:
            payload = OutboundReferralCreateSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
            referral = services.send_referral(
                actor=request.user,
                dispute_id=data["dispute"],
                kind=data["kind"],
                court=data["court"],
                reason=data.get("reason", ""),
            )
            return self.detail_response(referral.pk, status.HTTP_201_CREATED)
        raise serializers.ValidationError(
            {"kind": [_("Choose delegation, entrustment, litigation or confirmation.")]}
        )

    def _delegate(self, request: Request) -> Response:
        payload = DelegationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        court = data.get("court")
        if court is None:
            court_id = scope_of(request.user).court_id
            if court_id is None:
                raise Forbidden(_("Only a court can delegate or entrust a case."))
            court = selectors.court_get(court_id)
        case = dict(data["dispute"])
        parties = [PartyInputSerializer.to_party_input(p) for p in case.pop("parties")]
        referral = services.delegate(
            actor=request.user,
            data=services.DelegationInput(
                kind=data["kind"],
                court=court,
                body=data["body"],
                case_number=data["case_number"],
                delegated_on=data.get("delegated_on") or timezone.localdate(),
                parties=parties,
                **{k: v for k, v in case.items() if v is not None},
            ),
        )
        return self.detail_response(referral.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: ReferralStepSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="transitions", **ONE_CASE_LIST)
    def transitions(self, request: Request, pk: str) -> Response:
        return self.steps_response(pk)

    @extend_schema(
        **split_by_name("ReferralStepInput", "name", REFERRAL_STEP_INPUTS),
        responses={200: ReferralDetailSerializer, 409: CONFLICT_STATE},
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def take_transition(self, request: Request, pk: str, name: str) -> Response:
        return self.take_step_response(pk, name)

    @extend_schema(responses={200: ReferralLogSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="log", **ONE_CASE_LIST)
    def log(self, request: Request, pk: str) -> Response:
        referral = selectors.referral_get(request.user, pk)
        entries = list(selectors.referral_log(referral))
        display_names(entry.actor for entry in entries)  # every actor's name in one query
        return Response(ReferralLogSerializer(entries, many=True).data)
