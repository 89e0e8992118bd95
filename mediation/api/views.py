"""API v1 for disputes (SPEC §7). Thin: parse, call a service or selector, serialize."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.schema import CONFLICT_STATE, split_by_name
from mediation.api.filters import DisputeFilter
from mediation.api.serializers import (
    TRANSITION_INPUTS,
    DisputeCreateSerializer,
    DisputeSerializer,
    DisputeUpdateSerializer,
    SessionCreateSerializer,
    SessionSerializer,
    TransitionInputSerializer,
    TransitionLogSerializer,
    TransitionSerializer,
)
from mediation.cases import selectors, services
from mediation.cases.minutes import minutes_reader
from mediation.cases.models import Dispute
from mediation.kernel.api.filtering import StrictOrderingFilter
from mediation.kernel.api.pagination import ONE_CASE_LIST
from mediation.kernel.api.steps import StepsMixin
from mediation.kernel.presentation import display_names
from parties import consents
from parties import selectors as party_selectors
from parties import services as party_services
from parties.serializers import (
    CasePartySerializer,
    CasePartyUpdateSerializer,
    MediationConsentInputSerializer,
    MediationConsentSerializer,
    PartyInputSerializer,
    RightsAcknowledgementInputSerializer,
    RightsAcknowledgementSerializer,
    party_input_schema,
)


class DisputeViewSet(
    StepsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DisputeSerializer
    step_input_serializer = TransitionInputSerializer
    filterset_class = DisputeFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends, StrictOrderingFilter]
    ordering_fields = ["received_at", "deadline", "reference", "state", "accepted_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Dispute]:
        return selectors.dispute_list(self.request.user)

    def detail_object(self, pk: Any) -> Dispute:
        return selectors.dispute_get(self.request.user, pk)

    def available_steps(self, pk: Any) -> list[tuple[str, str]]:
        dispute = selectors.dispute_get(self.request.user, pk)
        return [
            (t.name, services.transition_label(t.name))
            for t in selectors.available_transitions(dispute, self.request.user)
        ]

    def take(self, pk: Any, name: str, data: dict[str, Any], expected_state: Any) -> None:
        services.take_transition(
            actor=self.request.user,
            dispute_id=pk,
            name=name,
            data=data,
            expected_state=expected_state,
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        # By the selector, not `get_object`, which runs the list's filters first (a FilterSet
        # and its form built per request: a tenth of a detail's time, bench/load.py).
        return self.detail_response(pk)

    @extend_schema(request=DisputeCreateSerializer, responses={201: DisputeSerializer})
    def create(self, request: Request) -> Response:
        payload = DisputeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        parties = [PartyInputSerializer.to_party_input(p) for p in data.pop("parties")]
        dispute = services.register_dispute(
            actor=request.user,
            data=services.DisputeInput(
                **{k: v for k, v in data.items() if v is not None}, parties=parties
            ),
        )
        return self.detail_response(dispute.pk, status.HTTP_201_CREATED)

    @extend_schema(request=DisputeUpdateSerializer, responses={200: DisputeSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        payload = DisputeUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.update_dispute(actor=request.user, dispute_id=pk, changes=payload.validated_data)
        return self.detail_response(pk)

    @extend_schema(responses={200: TransitionSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="transitions", **ONE_CASE_LIST)
    def transitions(self, request: Request, pk: str) -> Response:
        return self.steps_response(pk)

    @extend_schema(
        **split_by_name("DisputeTransitionInput", "name", TRANSITION_INPUTS),
        responses={200: DisputeSerializer, 409: CONFLICT_STATE},
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def take_transition(self, request: Request, pk: str, name: str) -> Response:
        return self.take_step_response(pk, name)

    @extend_schema(methods=["GET"], responses={200: CasePartySerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=party_input_schema(),
        responses={201: CasePartySerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], url_path="parties", **ONE_CASE_LIST)
    def parties(self, request: Request, pk: str) -> Response:
        dispute = selectors.dispute_get(request.user, pk)
        context = {"show_personal_data": selectors.may_see_personal_data(request.user, dispute)}
        if request.method == "GET":
            return Response(
                CasePartySerializer(dispute.case_parties.all(), many=True, context=context).data
            )
        payload = PartyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = party_services.add_parties(
            actor=request.user,
            dispute_id=pk,
            parties=[PartyInputSerializer.to_party_input(payload.validated_data)],
        )
        return Response(
            CasePartySerializer(created, many=True, context=context).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        methods=["PATCH"],
        request=CasePartyUpdateSerializer,
        responses={200: CasePartySerializer, 409: CONFLICT_STATE},
        parameters=[OpenApiParameter("case_party_id", int, OpenApiParameter.PATH)],
    )
    @extend_schema(
        methods=["DELETE"],
        responses={204: None, 409: CONFLICT_STATE},
        parameters=[OpenApiParameter("case_party_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"parties/(?P<case_party_id>[0-9]+)",
        url_name="party",
    )
    def party(self, request: Request, pk: str, case_party_id: str) -> Response:
        """Edit a party's particulars (and its role before acceptance), or remove it before
        acceptance."""
        if request.method == "DELETE":
            party_services.remove_case_party(
                actor=request.user, dispute_id=pk, case_party_id=case_party_id
            )
            return Response(status=status.HTTP_204_NO_CONTENT)
        payload = CasePartyUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        case_party = party_services.update_case_party(
            actor=request.user,
            dispute_id=pk,
            case_party_id=case_party_id,
            changes=payload.validated_data,
        )
        dispute = selectors.dispute_get(request.user, pk)
        context = {"show_personal_data": selectors.may_see_personal_data(request.user, dispute)}
        return Response(CasePartySerializer(case_party, context=context).data)

    @extend_schema(methods=["GET"], responses={200: MediationConsentSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=MediationConsentInputSerializer,
        responses={201: MediationConsentSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="mediation-consents", **ONE_CASE_LIST)
    def mediation_consents(self, request: Request, pk: str) -> Response:
        """Respondents' answers to mediation (People's Mediation Law art. 17)."""
        dispute = selectors.dispute_get(request.user, pk)
        if request.method == "GET":
            answers = party_selectors.answers_of(dispute)
            return Response(MediationConsentSerializer(answers, many=True).data)
        payload = MediationConsentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        consent = consents.record_mediation_consent(
            actor=request.user,
            dispute_id=pk,
            case_party_id=payload.validated_data["case_party"],
            answer=payload.validated_data["answer"],
            channel=payload.validated_data["channel"],
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(MediationConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={200: RightsAcknowledgementSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=RightsAcknowledgementInputSerializer,
        responses={201: RightsAcknowledgementSerializer},
    )
    @action(
        detail=True, methods=["get", "post"], url_path="rights-acknowledgements", **ONE_CASE_LIST
    )
    def rights_acknowledgements(self, request: Request, pk: str) -> Response:
        """The parties' acknowledgements of the notice of their rights and duties."""
        dispute = selectors.dispute_get(request.user, pk)
        if request.method == "GET":
            rows = party_selectors.rights_acknowledgements(dispute)
            return Response(RightsAcknowledgementSerializer(rows, many=True).data)
        payload = RightsAcknowledgementInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = consents.record_rights_acknowledgement(
            actor=request.user, dispute_id=pk, case_party_id=payload.validated_data["case_party"]
        )
        return Response(RightsAcknowledgementSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={200: SessionSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=SessionCreateSerializer, responses={201: SessionSerializer}
    )
    @action(detail=True, methods=["get", "post"], url_path="sessions", **ONE_CASE_LIST)
    def sessions(self, request: Request, pk: str) -> Response:
        dispute = selectors.dispute_get(request.user, pk)
        context = {"minutes_reader": minutes_reader(request.user, dispute)}
        if request.method == "GET":
            sessions = selectors.dispute_sessions(dispute)
            return Response(SessionSerializer(sessions, many=True, context=context).data)
        payload = SessionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        session = services.schedule_session(
            actor=request.user,
            dispute_id=pk,
            data=services.SessionInput(
                scheduled_at=data["scheduled_at"],
                place=data.get("place", ""),
                online_link=data.get("online_link", ""),
                mediators=data.get("mediators", []),
                attendee_ids=data.get("attendees", []),
                status=data.get("status", "scheduled"),
                minutes=data.get("minutes", ""),
                kind=data["kind"],
            ),
        )
        return Response(
            SessionSerializer(session, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: TransitionLogSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="log", **ONE_CASE_LIST)
    def log(self, request: Request, pk: str) -> Response:
        dispute = selectors.dispute_get(request.user, pk)
        entries = list(selectors.transition_log(dispute))
        display_names(entry.actor for entry in entries)  # every actor's name in one query
        return Response(TransitionLogSerializer(entries, many=True).data)
