from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.schema import Refused, given
from courts.models import Court
from mediation.cases.minutes import NO_MINUTES
from mediation.cases.models import Dispute, MediationBody, MediationSession, Mediator, TransitionLog
from mediation.cases.selectors import may_see_personal_data
from mediation.cases.workflow import STEPS, Step
from mediation.kernel.api.fields import AmountField, ChoiceLabelField, MomentField, label_of
from mediation.kernel.choices import (
    Category,
    Channel,
    CloseOutcome,
    DeclineGround,
    FamilyMatter,
    Outcome,
    SessionKind,
    SessionStatus,
    State,
    Track,
)
from mediation.kernel.presentation import display_name
from parties.serializers import CasePartySerializer, PartyInputSerializer


class DisputeCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    body = serializers.PrimaryKeyRelatedField(queryset=MediationBody.objects.all())
    track = serializers.ChoiceField(choices=Track.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200)
    facts = serializers.CharField(required=False, allow_blank=True)
    claimed_amount = AmountField(required=False, allow_null=True)
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
    # Facts only: anything else is refused by name (in the schema: no other properties).
    refuses_unknown_fields = True

    title = serializers.CharField(max_length=200, required=False)
    facts = serializers.CharField(required=False, allow_blank=True)
    claimed_amount = AmountField(required=False, allow_null=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    received_at = serializers.DateField(required=False)
    family_matter = serializers.ChoiceField(
        choices=FamilyMatter.choices, required=False, allow_blank=True
    )

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
    # "" unless a family case has recorded what it is about.
    family_matter = serializers.ChoiceField(
        choices=FamilyMatter.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Dispute
        fields = [
            "id",
            "reference",
            "case_number",
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
            "family_matter",
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
        of a list page's time at a million cases. `tests/mediation/api/test_api_disputes.py`
        holds this equal to the generic loop."""
        mediator = instance.mediator
        today = timezone.localdate()
        return {
            "id": instance.id,
            "reference": instance.reference,
            # The body's own number (字号) printed on its papers; "" where the body has none.
            "case_number": instance.case_number,
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
            "family_matter": instance.family_matter,
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


@extend_schema_field({"type": "boolean", "enum": [True]})
class AssentField(serializers.BooleanField):
    """A yes that must be given: the schema says only `true` is taken (the service refuses
    anything else with the field's error)."""


def _reason(required: bool) -> serializers.CharField:
    return serializers.CharField(
        max_length=2000,
        required=required,
        allow_blank=not required,
        help_text="Why: required where the transition needs one.",
    )


_TRANSITION_FIELDS: dict[str, Any] = {
    "reason": _reason,
    "content": lambda required: serializers.CharField(
        max_length=4000,
        required=required,
        allow_blank=not required,
        help_text="What the parties agreed, as recorded on the spot.",
    ),
    "performance": lambda required: serializers.CharField(
        max_length=4000,
        required=required,
        allow_blank=not required,
        help_text="How and by when it is performed.",
    ),
    "assent": lambda required: AssentField(
        required=required, help_text="Every party assented orally: true."
    ),
    "ground": lambda required: serializers.ChoiceField(
        choices=DeclineGround.choices,
        required=required,
        help_text="Why the case is declined; `other` needs the reason in words.",
    ),
    "advice": lambda required: serializers.CharField(
        max_length=500,
        required=required,
        allow_blank=not required,
        help_text="Where the applicant can take the dispute instead.",
    ),
    "mediator": lambda required: serializers.IntegerField(
        required=required, help_text="id of an active mediator of the body, not a party"
    ),
    "track": lambda required: serializers.ChoiceField(choices=Track.choices, required=required),
    "body": lambda required: serializers.IntegerField(
        required=required, help_text="id of the mediation body taking the case"
    ),
    "court": lambda required: serializers.IntegerField(
        required=required, help_text="id of a court"
    ),
    "outcome": lambda required: serializers.ChoiceField(
        choices=CloseOutcome.choices,
        required=required,
        help_text="One that fits the case's state (a signed case: its performance).",
    ),
    "terms": lambda required: serializers.CharField(
        required=required,
        allow_blank=not required,
        help_text="The agreed terms as one clause, unless the agreement already has terms.",
    ),
    "case_number": lambda required: serializers.CharField(
        required=required,
        allow_blank=not required,
        help_text="The court's ruling number (民特), e.g. (2026)赣0102民特12号.",
    ),
}


def _transition_input(step: Step) -> type[serializers.Serializer]:
    """A transition's request body, from the inputs of its step (`mediation.cases.workflow`).

    It checks only types and choices: what a step requires is the service's to say, so that a
    step not possible now is a 409 whatever its data."""
    attrs: dict[str, Any] = {
        field: _TRANSITION_FIELDS[field](spec.required) for field, spec in step.inputs.items()
    }
    attrs["expected_state"] = serializers.ChoiceField(
        choices=State.choices,
        required=False,
        help_text="The state the caller saw; a different current state answers 409.",
    )
    class_name = (
        "".join(part.title() for part in step.name.split("_")) + "TransitionInputSerializer"
    )
    return type(class_name, (serializers.Serializer,), {"__doc__": step.doc, **attrs})


def _any_transition_input() -> type[serializers.Serializer]:
    """What any transition may be sent, each field optional: the request is checked for types
    and choices only, and what a step requires is the service's to say (a 409 for a step not
    possible now comes before a 400 for its data)."""
    names = dict.fromkeys(name for step in STEPS.values() for name in step.inputs)
    attrs: dict[str, Any] = {name: _TRANSITION_FIELDS[name](False) for name in names}
    # Not an input of any step: `draft_agreement` refuses it with the reason (the amount is the
    # obligations' total).
    attrs["agreed_amount"] = AmountField(required=False, allow_null=True, help_text="refused")
    attrs["expected_state"] = serializers.ChoiceField(
        choices=State.choices,
        required=False,
        help_text="The state the caller saw; a different current state answers 409.",
    )
    attrs["__doc__"] = "Data a transition may take; which fields are required depends on it."
    return type("TransitionInputSerializer", (serializers.Serializer,), attrs)


TransitionInputSerializer = _any_transition_input()

TRANSITION_INPUTS: dict[str, type[serializers.Serializer]] = {
    name: _transition_input(step) for name, step in STEPS.items()
}


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
        return display_name(obj.actor)


class SessionSerializer(serializers.ModelSerializer):
    """A session as the reader may see it: its minutes only for those `mediation.cases.minutes` lets
    read them (the view passes its `minutes_reader` in the context; without one, none)."""

    # "" when the session has no link: a URI or nothing, not a malformed URI.
    online_link = serializers.CharField(read_only=True)
    minutes = serializers.SerializerMethodField(
        help_text=(
            "The minutes, or null for a reader who may not read them. Staff of the case's body "
            "read all; parties read those of joint sessions they attended (themselves, or the "
            "party they act for as agent or guardian); court staff of a court the case is with "
            "read those of joint sessions; a caucus's minutes are read by the body's staff only."
        )
    )

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "scheduled_at",
            "place",
            "online_link",
            "status",
            "kind",
            "mediators",
            "attendees",
            "minutes",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_minutes(self, obj: MediationSession) -> str | None:
        reader = self.context.get("minutes_reader", NO_MINUTES)
        return reader.minutes(obj)


class SessionCreateSerializer(serializers.Serializer):
    # As `services.schedule_session` refuses.
    schema_refuses = (
        Refused(
            "neither a `place` nor an `online_link`",
            {"not": {"anyOf": [given("place"), given("online_link")]}},
        ),
    )

    scheduled_at = MomentField()
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
    kind = serializers.ChoiceField(
        choices=SessionKind.choices,
        default=SessionKind.JOINT,
        help_text="A joint session (all sides), or a caucus (背对背): the mediator with the "
        "attendees of one side, whose minutes only the body's staff read.",
    )
