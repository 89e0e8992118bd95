from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courts.models import Court
from mediation.choices import Category, Channel, CloseOutcome, Outcome, SessionStatus, State, Track
from mediation.models import Dispute, MediationBody, MediationSession, Mediator, TransitionLog
from mediation.selectors import may_see_personal_data
from parties.serializers import CasePartySerializer, PartyInputSerializer

from .fields import ChoiceLabelField, label_of

Amount = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class DisputeCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    body = serializers.PrimaryKeyRelatedField(queryset=MediationBody.objects.all())
    track = serializers.ChoiceField(choices=Track.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200)
    facts = serializers.CharField(required=False, allow_blank=True)
    claimed_amount = serializers.DecimalField(required=False, allow_null=True, **Amount)
    received_at = serializers.DateField()
    court = serializers.PrimaryKeyRelatedField(
        queryset=Court.objects.all(), required=False, allow_null=True
    )
    court_case_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    parties = PartyInputSerializer(many=True, allow_empty=False)

    def validate_received_at(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The date received cannot be in the future."))
        return value


class DisputeUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    facts = serializers.CharField(required=False, allow_blank=True)
    claimed_amount = serializers.DecimalField(required=False, allow_null=True, **Amount)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    received_at = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This field cannot be edited.")] for name in sorted(unknown)}
            )
        return attrs


# How the written-out representations format their values: as the model fields' own
# serializer fields do (the equivalence test would say if they drifted apart).
_AMOUNT = serializers.DecimalField(max_digits=14, decimal_places=2)
_DATE = serializers.DateField()
_MOMENT = serializers.DateTimeField()


def _optional(represent: Any, value: Any) -> Any:
    return None if value is None else represent(value)


class DisputeSerializer(serializers.ModelSerializer):
    """A dispute as the list and detail show it (SPEC §7.1 answer shape)."""

    state_label = ChoiceLabelField("state")
    category_label = ChoiceLabelField("category")
    track_label = ChoiceLabelField("track")
    channel_label = ChoiceLabelField("channel")
    body_name = serializers.CharField(source="body.name", read_only=True)
    mediator_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    due_soon = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()
    # "" until the case concludes (and is closed): declared so the schema's enums include it.
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    close_outcome = serializers.ChoiceField(
        choices=CloseOutcome.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Dispute
        fields = [
            "id",
            "reference",
            "state",
            "state_label",
            "category",
            "category_label",
            "track",
            "track_label",
            "channel",
            "channel_label",
            "body",
            "body_name",
            "mediator",
            "mediator_name",
            "court",
            "court_case_number",
            "title",
            "facts",
            "claimed_amount",
            "agreement_terms",
            "agreed_amount",
            "received_at",
            "accepted_at",
            "signed_at",
            "concluded_at",
            "deadline",
            "due_soon",
            "overdue",
            "outcome",
            "close_outcome",
            "parties",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Dispute) -> dict[str, Any]:
        """The declared fields, written out: DRF's field-by-field loop (attribute paths, skip
        checks, a method lookup per field) and building the fields for every request were most
        of a list page's time at a million cases (issue #6). `tests/mediation/test_api.py` holds
        this equal to the generic loop."""
        mediator = instance.mediator
        today = timezone.localdate()
        return {
            "id": instance.id,
            "reference": instance.reference,
            "state": instance.state,
            "state_label": label_of(instance, "state"),
            "category": instance.category,
            "category_label": label_of(instance, "category"),
            "track": instance.track,
            "track_label": label_of(instance, "track"),
            "channel": instance.channel,
            "channel_label": label_of(instance, "channel"),
            "body": instance.body_id,
            "body_name": instance.body.name,
            "mediator": instance.mediator_id,
            "mediator_name": mediator.display_name if mediator else None,
            "court": instance.court_id,
            "court_case_number": instance.court_case_number,
            "title": instance.title,
            "facts": instance.facts,
            "claimed_amount": _optional(_AMOUNT.to_representation, instance.claimed_amount),
            "agreement_terms": instance.agreement_terms,
            "agreed_amount": _optional(_AMOUNT.to_representation, instance.agreed_amount),
            "received_at": _optional(_DATE.to_representation, instance.received_at),
            "accepted_at": _optional(_DATE.to_representation, instance.accepted_at),
            "signed_at": _optional(_DATE.to_representation, instance.signed_at),
            "concluded_at": _optional(_DATE.to_representation, instance.concluded_at),
            "deadline": _optional(_DATE.to_representation, instance.deadline),
            "due_soon": instance.is_due_soon(today),
            "overdue": instance.is_overdue(today),
            "outcome": instance.outcome,
            "close_outcome": instance.close_outcome,
            "parties": self.get_parties(instance),
            "created_at": _optional(_MOMENT.to_representation, instance.created_at),
            "updated_at": _optional(_MOMENT.to_representation, instance.updated_at),
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_mediator_name(self, obj: Dispute) -> str | None:
        return obj.mediator.display_name if obj.mediator else None

    def get_overdue(self, obj: Dispute) -> bool:
        return obj.is_overdue()

    def get_due_soon(self, obj: Dispute) -> bool:
        return obj.is_due_soon()

    @extend_schema_field(CasePartySerializer(many=True))
    def get_parties(self, obj: Dispute) -> list[dict[str, Any]]:
        request = self.context.get("request")
        show = bool(request) and may_see_personal_data(request.user, obj)
        party = self._party_serializer(show)
        return [party.to_representation(case_party) for case_party in obj.case_parties.all()]

    def _party_serializer(self, show: bool) -> CasePartySerializer:
        # One per page, not one per case: a ModelSerializer builds its fields on first use,
        # which cost more than the rest of a list row.
        cache = self.__dict__.setdefault("_party_serializers", {})
        if show not in cache:
            cache[show] = CasePartySerializer(context={"show_personal_data": show})
        return cache[show]


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()


class TransitionInputSerializer(serializers.Serializer):
    """Data a transition may take; which fields are required depends on the transition."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    mediator = serializers.IntegerField(required=False, help_text="assign, reassign")
    track = serializers.ChoiceField(
        choices=Track.choices, required=False, help_text="assign, reassign"
    )
    body = serializers.IntegerField(required=False, help_text="reassign")
    court = serializers.IntegerField(required=False, help_text="refer_to_court, apply_confirmation")
    outcome = serializers.ChoiceField(
        choices=CloseOutcome.choices, required=False, help_text="close"
    )
    terms = serializers.CharField(required=False, allow_blank=True, help_text="draft_agreement")
    agreed_amount = serializers.DecimalField(
        required=False, allow_null=True, help_text="draft_agreement", **Amount
    )
    case_number = serializers.CharField(required=False, allow_blank=True, help_text="confirm")
    expected_state = serializers.ChoiceField(
        choices=State.choices,
        required=False,
        help_text="The state the caller saw; a different current state answers 409.",
    )


class TransitionLogSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = TransitionLog
        fields = ["id", "transition", "from_state", "to_state", "actor", "at", "reason", "data"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: TransitionLog) -> str | None:
        if obj.actor is None:
            return None
        full = f"{obj.actor.last_name}{obj.actor.first_name}".strip()
        return full or obj.actor.get_username()


class SessionSerializer(serializers.ModelSerializer):
    # "" when the session has no link: a URI or nothing, not a malformed URI.
    online_link = serializers.CharField(read_only=True)

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "scheduled_at",
            "place",
            "online_link",
            "status",
            "mediators",
            "attendees",
            "minutes",
            "created_at",
        ]
        read_only_fields = fields


class SessionCreateSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    online_link = serializers.URLField(required=False, allow_blank=True)
    mediators = serializers.PrimaryKeyRelatedField(
        queryset=Mediator.objects.all(), many=True, required=False
    )
    attendees = serializers.ListField(child=serializers.IntegerField(), required=False)
    status = serializers.ChoiceField(
        choices=[
            (SessionStatus.SCHEDULED, SessionStatus.SCHEDULED.label),
            (SessionStatus.HELD, SessionStatus.HELD.label),
        ],
        required=False,
    )
    minutes = serializers.CharField(required=False, allow_blank=True)
