from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courts.labels import action_label
from courts.models import (
    INBOUND_KINDS,
    OUTBOUND_KINDS,
    Court,
    Referral,
    ReferralDecision,
    ReferralKind,
    ReferralLog,
    ReferralState,
)
from documents.generation import kinds_for
from mediation.cases.models import Dispute, MediationBody
from mediation.cases.selectors import may_see_personal_data
from mediation.kernel.api.fields import AmountField, ChoiceLabelField
from mediation.kernel.choices import Category, Track
from mediation.kernel.presentation import display_name
from parties.serializers import CasePartySerializer, PartyInputSerializer


class CourtBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Court
        fields = ["id", "name", "code"]


class DisputeBriefSerializer(serializers.ModelSerializer):
    """What a court sees of the case behind a referral; personal numbers masked for it."""

    state_label = ChoiceLabelField("state")
    category_label = ChoiceLabelField("category")
    body_name = serializers.CharField(source="body.name", read_only=True)
    overdue = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "reference",
            "title",
            "state",
            "state_label",
            "category",
            "category_label",
            "body",
            "body_name",
            "claimed_amount",
            "received_at",
            "deadline",
            "overdue",
            "parties",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: Dispute) -> bool:
        return obj.is_overdue()

    @extend_schema_field(CasePartySerializer(many=True))
    def get_parties(self, obj: Dispute) -> list[dict[str, Any]]:
        request = self.context.get("request")
        show = bool(request) and may_see_personal_data(request.user, obj)
        return CasePartySerializer(
            obj.case_parties.all(), many=True, context={"show_personal_data": show}
        ).data


class DocumentLinkSerializer(serializers.Serializer):
    kind = serializers.CharField()
    pdf = serializers.CharField()


class ReferralSerializer(serializers.ModelSerializer):
    kind_label = ChoiceLabelField("kind")
    state_label = ChoiceLabelField("state")
    decision_label = ChoiceLabelField("decision")
    # "" until the court decides: declared so the schema's enum includes it.
    decision = serializers.ChoiceField(
        choices=ReferralDecision.choices, allow_blank=True, read_only=True
    )
    direction = serializers.SerializerMethodField()
    court = CourtBriefSerializer(read_only=True)
    dispute = DisputeBriefSerializer(read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "kind",
            "kind_label",
            "direction",
            "state",
            "state_label",
            "court",
            "dispute",
            "case_number",
            "sent_at",
            "received_at",
            "filed_at",
            "decided_at",
            "returned_at",
            "decision",
            "decision_label",
            "reason",
            "overdue",
            "extended_days",
            "extension_consent",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["to_body", "to_court"]))
    def get_direction(self, obj: Referral) -> str:
        return "to_body" if obj.kind in INBOUND_KINDS else "to_court"

    def get_overdue(self, obj: Referral) -> bool:
        annotated = getattr(obj, "is_overdue", None)
        if annotated is not None:
            return bool(annotated)
        return obj.is_inbound and obj.is_open and obj.dispute.is_overdue()


class ReferralDetailSerializer(ReferralSerializer):
    """A referral as its own page shows it: with the documents of its case. Not in lists, where
    working out each case's documents would cost queries per row."""

    documents = serializers.SerializerMethodField()

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "documents"]
        read_only_fields = fields

    @extend_schema_field(DocumentLinkSerializer(many=True))
    def get_documents(self, obj: Referral) -> list[dict[str, str]]:
        """The case's documents the court may download: with a delegation that settled, the
        signed agreement comes back to the court this way."""
        return [
            {"kind": kind, "pdf": reverse("api-document-pdf", args=[obj.dispute_id, kind])}
            for kind in kinds_for(self.context["request"].user, obj.dispute)
        ]


class DelegationDisputeSerializer(serializers.Serializer):
    """The case a court delegates: as a registration, without what the referral says."""

    category = serializers.ChoiceField(choices=Category.choices)
    track = serializers.ChoiceField(choices=Track.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200)
    facts = serializers.CharField(required=False, allow_blank=True)
    claimed_amount = AmountField(required=False, allow_null=True)
    parties = PartyInputSerializer(many=True, allow_empty=False)


class DelegationCreateSerializer(serializers.Serializer):
    """A court delegates (诉前委派) or entrusts (诉中委托) a case to a mediation body."""

    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in ReferralKind if k in INBOUND_KINDS]
    )
    body = serializers.PrimaryKeyRelatedField(queryset=MediationBody.objects.all())
    court = serializers.PrimaryKeyRelatedField(
        queryset=Court.objects.all(),
        required=False,
        help_text="Defaults to the caller's court.",
    )
    case_number = serializers.CharField(
        max_length=60,
        help_text="The court's number: (2026)赣0102民诉前调123号 for a delegation, "
        "(2026)赣0102民初456号 for an entrustment.",
    )
    delegated_on = serializers.DateField(required=False, help_text="Defaults to today.")
    dispute = DelegationDisputeSerializer()

    def validate_delegated_on(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The delegation date cannot be in the future."))
        return value


class OutboundReferralCreateSerializer(serializers.Serializer):
    """A body sends a case to court: to litigation (转诉讼) or for confirmation (司法确认)."""

    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in ReferralKind if k in OUTBOUND_KINDS]
    )
    dispute = serializers.IntegerField()
    court = serializers.PrimaryKeyRelatedField(queryset=Court.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReferralTransitionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    case_number = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="file, decide (confirmation)"
    )
    decision = serializers.ChoiceField(
        choices=ReferralDecision.choices, required=False, help_text="decide"
    )
    days = serializers.IntegerField(required=False, help_text="extend")
    consenting_parties = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="extend: ids of the case parties who consented",
    )
    expected_state = serializers.ChoiceField(
        choices=ReferralState.choices,
        required=False,
        help_text="The state the caller saw; a different current state answers 409.",
    )


def _referral_reason(required: bool) -> serializers.CharField:
    return serializers.CharField(
        max_length=2000, required=required, allow_blank=not required, help_text="Why."
    )


def _step_input(name: str, doc: str, **fields: serializers.Field) -> type[serializers.Serializer]:
    fields["expected_state"] = serializers.ChoiceField(
        choices=ReferralState.choices,
        required=False,
        help_text="The state the caller saw; a different current state answers 409.",
    )
    class_name = "".join(part.title() for part in name.split("_")) + "StepInputSerializer"
    return type(class_name, (serializers.Serializer,), {"__doc__": doc, **fields})


# What each step takes, as courts/services.py reads it. As with a dispute's transitions, the API
# validates with `ReferralTransitionInputSerializer` and the service checks these (a step not
# possible now is a 409 whatever its data); the schema has one operation per step.
REFERRAL_STEP_INPUTS: dict[str, type[serializers.Serializer]] = {
    "receive": _step_input(
        "receive", "The court or body records receipt.", reason=_referral_reason(False)
    ),
    "return_referral": _step_input(
        "return_referral", "Return the referral, with the reason.", reason=_referral_reason(True)
    ),
    "file": _step_input(
        "file",
        "The court records its filing number (民初).",
        case_number=serializers.CharField(
            max_length=60, help_text="e.g. (2026)赣0102民初456号, of the referral's court"
        ),
        reason=_referral_reason(False),
    ),
    "decide": _step_input(
        "decide",
        "The court records its decision; for a confirmation, `confirmed` or `denied` and the "
        "ruling's number (民特).",
        decision=serializers.ChoiceField(
            choices=ReferralDecision.choices, help_text="One that fits the referral's kind."
        ),
        case_number=serializers.CharField(max_length=60, required=False, allow_blank=True),
        reason=_referral_reason(False),
    ),
    "extend": _step_input(
        "extend",
        "Extend a delegation's deadline once, with every party's consent.",
        days=serializers.IntegerField(
            min_value=1,
            validators=[MaxValueValidator(lambda: settings.FENGQIAO_DELEGATION_EXTENSION_MAX_DAYS)],
        ),
        consenting_parties=serializers.ListField(
            child=serializers.IntegerField(),
            min_length=1,
            help_text="ids of the case parties who consented: every applicant and respondent",
        ),
        reason=_referral_reason(False),
    ),
}


class ReferralStepSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()


class ReferralLogSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    action_label = serializers.SerializerMethodField()

    class Meta:
        model = ReferralLog
        fields = [
            "id",
            "action",
            "action_label",
            "from_state",
            "to_state",
            "actor",
            "at",
            "reason",
            "data",
        ]

    def get_action_label(self, obj: ReferralLog) -> str:
        return action_label(obj.action)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: ReferralLog) -> str | None:
        if obj.actor is None:
            return None
        return display_name(obj.actor)
