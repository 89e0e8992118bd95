from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from config.schema import Refused, given
from mediation.kernel.api.fields import ChoiceLabelField, label_of
from parties.models import (
    ETHNICITY_CHOICES,
    PRINCIPAL_ROLES,
    REPRESENTATIVE_ROLES,
    CaseParty,
    IdType,
    MediationConsent,
    OrganizationType,
    PartyKind,
    PartyRole,
    Sex,
)
from parties.services import PartyInput, build_party
from parties.validators import PHONE_MESSAGE, PHONE_PATTERN, mask_address


class PhoneField(serializers.RegexField):
    """A phone number in the form it is stored in (`PHONE_PATTERN`), and in no other.

    The model also reads numbers typed with spaces, brackets or +86 and normalises them; the API
    does not, so that the pattern its schema states is exactly what it accepts."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "help_text",
            "A mainland mobile (13800138000) or a landline with its area code "
            "(0791-86123456 or 079186123456): digits and that hyphen only, without +86.",
        )
        super().__init__(
            PHONE_PATTERN,
            trim_whitespace=False,
            error_messages={"invalid": PHONE_MESSAGE},
            **kwargs,
        )


def _role_is(roles: tuple[PartyRole, ...]) -> dict[str, Any]:
    return {"properties": {"role": {"enum": [role.value for role in roles]}}}


_REPRESENTS = given("represents", {"type": "integer"})


class _PartyShapeSerializer(serializers.Serializer):
    """What parties of every kind give; `PartyInputSerializer` reads a party with the shape of
    its kind, which refuses fields it does not have."""

    refuses_unknown_fields = True
    # As the model (an ID number needs its type) and `attach_parties` (who acts for whom) refuse.
    schema_refuses = (
        Refused(
            "an `id_number` without its `id_type`", {**given("id_number"), "not": given("id_type")}
        ),
        Refused(
            "`represents` for an applicant, respondent or third party (only agents and "
            "guardians act for another party)",
            {"allOf": [_role_is(PRINCIPAL_ROLES), _REPRESENTS]},
        ),
        Refused(
            "an agent or guardian without `represents`",
            {"allOf": [_role_is(REPRESENTATIVE_ROLES), {"not": _REPRESENTS}]},
        ),
    )

    role = serializers.ChoiceField(choices=PartyRole.choices)
    name = serializers.CharField(max_length=200)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = PhoneField(required=False, allow_blank=True)
    occupation = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="A person's occupation or employer.",
    )
    address = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="A person's domicile or residence; an organization's registered address.",
    )
    represents = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text=(
            "For an agent or guardian (and only for them): when registering a dispute, the "
            "0-based position of the party they act for in the same `parties` list (listed "
            "before them); when adding a party to an existing dispute, the id of that case party."
        ),
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                message = _("A party of this kind has no such field.")
                raise serializers.ValidationError({str(name): [message] for name in unknown})
        return dict(super().to_internal_value(data))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The model's own checks (GB 11643 / GB 32100 / phone), so API and services agree.
        try:
            build_party(PartyInputSerializer.to_party_input(attrs))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


def _choices(*members: Any) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in members]


# A person has no USCC, an organization no resident ID (`Party.clean`).
PERSON_ID_TYPES = _choices(*(t for t in IdType if t != IdType.USCC))
ORGANIZATION_ID_TYPES = _choices(*(t for t in IdType if t != IdType.RESIDENT_ID))


class PersonPartyInputSerializer(_PartyShapeSerializer):
    """A natural person (`kind` person): papers of a person, no organization type."""

    kind = serializers.ChoiceField(choices=_choices(PartyKind.PERSON))
    id_type = serializers.ChoiceField(choices=PERSON_ID_TYPES, required=False, allow_blank=True)
    sex = serializers.ChoiceField(
        choices=Sex.choices,
        required=False,
        allow_blank=True,
        help_text="Taken from a resident ID number when left out; refused if it contradicts it.",
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Taken from a resident ID number when left out; refused if it contradicts it.",
    )
    ethnicity = serializers.ChoiceField(
        choices=ETHNICITY_CHOICES,
        required=False,
        allow_blank=True,
        help_text="民族 by its name in GB 3304 (汉族, 回族, …, 其他, 外国血统中国籍人士).",
    )


class OrganizationPartyInputSerializer(_PartyShapeSerializer):
    """An organization (`kind` organization): no resident ID; its type, if known."""

    kind = serializers.ChoiceField(choices=_choices(PartyKind.ORGANIZATION))
    id_type = serializers.ChoiceField(
        choices=ORGANIZATION_ID_TYPES, required=False, allow_blank=True
    )
    organization_type = serializers.ChoiceField(
        choices=OrganizationType.choices, required=False, allow_blank=True
    )
    legal_representative = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="法定代表人 (or principal person in charge) as the business registration names.",
    )
    legal_representative_title = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="E.g. 董事长, 总经理, 院长."
    )


PARTY_SHAPES: dict[str, type[_PartyShapeSerializer]] = {
    PartyKind.PERSON.value: PersonPartyInputSerializer,
    PartyKind.ORGANIZATION.value: OrganizationPartyInputSerializer,
}


def party_input_schema(many: bool = False) -> PolymorphicProxySerializer:
    """The schema of `PartyInputSerializer`: one body shape per `kind`."""
    return PolymorphicProxySerializer(
        component_name="PartyInput",
        serializers=PARTY_SHAPES,
        resource_type_field_name="kind",
        many=many,
    )


@extend_schema_field(party_input_schema(many=True))
class PartyInputListSerializer(serializers.ListSerializer):
    """Parties as given when registering a dispute (read by `PartyInputSerializer`)."""


class PartyInputSerializer(serializers.Serializer):
    """A party as given when registering a dispute or adding a party (SPEC §7.1), read with the
    shape of its `kind` (`PARTY_SHAPES`)."""

    class Meta:
        list_serializer_class = PartyInputListSerializer

    def run_validation(self, data: Any = empty) -> Any:
        shape = PersonPartyInputSerializer
        if isinstance(data, Mapping):
            # The kind first: which other fields a party has depends on it.
            try:
                kind = serializers.ChoiceField(choices=PartyKind.choices).run_validation(
                    data.get("kind", empty)
                )
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"kind": exc.detail}) from exc
            shape = PARTY_SHAPES[kind]
        return shape(context=self.context).run_validation(data)

    @staticmethod
    def to_party_input(attrs: dict[str, Any]) -> PartyInput:
        return PartyInput(**{key: value for key, value in attrs.items() if value is not None})


class CasePartySerializer(serializers.ModelSerializer):
    """A party in a dispute; ID and phone numbers masked unless `show_personal_data`."""

    party_id = serializers.IntegerField(source="party.id", read_only=True)
    kind = serializers.CharField(source="party.kind", read_only=True)
    name = serializers.CharField(source="party.name", read_only=True)
    id_type = serializers.CharField(source="party.id_type", read_only=True)
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    organization_type = serializers.CharField(source="party.organization_type", read_only=True)
    role_label = ChoiceLabelField("role")
    sex = serializers.CharField(source="party.sex", read_only=True)
    birth_date = serializers.SerializerMethodField()
    ethnicity = serializers.CharField(source="party.ethnicity", read_only=True)
    occupation = serializers.CharField(source="party.occupation", read_only=True)
    address = serializers.SerializerMethodField()
    legal_representative = serializers.CharField(
        source="party.legal_representative", read_only=True
    )
    legal_representative_title = serializers.CharField(
        source="party.legal_representative_title", read_only=True
    )

    class Meta:
        model = CaseParty
        fields = [
            "id",
            "party_id",
            "role",
            "role_label",
            "represents",
            "kind",
            "name",
            "id_type",
            "id_number",
            "phone",
            "organization_type",
            "sex",
            "birth_date",
            "ethnicity",
            "occupation",
            "address",
            "legal_representative",
            "legal_representative_title",
        ]

    def to_representation(self, instance: CaseParty) -> dict[str, Any]:
        """The declared fields, written out, for the same reason as `DisputeSerializer`'s: a
        list page shows some sixty parties. Held equal to DRF's generic loop by a test."""
        party = instance.party
        show = self._show()
        return {
            "id": instance.id,
            "party_id": party.id,
            "role": instance.role,
            "role_label": label_of(instance, "role"),
            "represents": instance.represents_id,
            "kind": party.kind,
            "name": party.name,
            "id_type": party.id_type,
            "id_number": party.id_number if show else party.masked_id_number,
            "phone": party.phone if show else party.masked_phone,
            "organization_type": party.organization_type,
            "sex": party.sex,
            "birth_date": self._birth_date(party, show),
            "ethnicity": party.ethnicity,
            "occupation": party.occupation,
            "address": self._address(party, show),
            "legal_representative": party.legal_representative,
            "legal_representative_title": party.legal_representative_title,
        }

    def _show(self) -> bool:
        return bool(self.context.get("show_personal_data"))

    def get_id_number(self, obj: CaseParty) -> str:
        return obj.party.id_number if self._show() else obj.party.masked_id_number

    def get_phone(self, obj: CaseParty) -> str:
        return obj.party.phone if self._show() else obj.party.masked_phone

    # A person's date of birth and address are personal data like their numbers: in full for
    # those who may see personal data, the year and the city for others. An organization's
    # registered address is public.
    @staticmethod
    def _birth_date(party: Any, show: bool) -> str | None:
        if party.birth_date is None:
            return None
        return party.birth_date.isoformat() if show else str(party.birth_date.year)

    @staticmethod
    def _address(party: Any, show: bool) -> str:
        if show or party.kind == PartyKind.ORGANIZATION:
            return str(party.address)
        return mask_address(party.address)

    @extend_schema_field(
        {"type": "string", "nullable": True, "description": "ISO date, or the year only."}
    )
    def get_birth_date(self, obj: CaseParty) -> str | None:
        return self._birth_date(obj.party, self._show())

    def get_address(self, obj: CaseParty) -> str:
        return self._address(obj.party, self._show())


class CasePartyUpdateSerializer(serializers.Serializer):
    """Changes to a party of a dispute (`PATCH …/parties/{id}/`): any of its particulars, and
    before acceptance its role and whom an agent or guardian acts for (a case party id). Which
    particulars a party has depends on its kind, as when it was registered."""

    refuses_unknown_fields = True

    role = serializers.ChoiceField(choices=PartyRole.choices, required=False)
    represents = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(max_length=200, required=False)
    id_type = serializers.ChoiceField(choices=IdType.choices, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = PhoneField(required=False, allow_blank=True)
    organization_type = serializers.ChoiceField(
        choices=OrganizationType.choices, required=False, allow_blank=True
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    ethnicity = serializers.ChoiceField(choices=ETHNICITY_CHOICES, required=False, allow_blank=True)
    occupation = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    legal_representative = serializers.CharField(max_length=100, required=False, allow_blank=True)
    legal_representative_title = serializers.CharField(
        max_length=50, required=False, allow_blank=True
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                message = _("This field cannot be edited.")
                raise serializers.ValidationError({str(name): [message] for name in unknown})
        return dict(super().to_internal_value(data))


class MediationConsentSerializer(serializers.Serializer):
    """A respondent's answer to mediation as the API shows it."""

    id = serializers.IntegerField(read_only=True)
    case_party = serializers.IntegerField(source="case_party_id", read_only=True)
    name = serializers.CharField(source="case_party.party.name", read_only=True)
    answer = serializers.CharField(read_only=True)
    answer_label = ChoiceLabelField("answer")
    channel = serializers.CharField(read_only=True)
    channel_label = ChoiceLabelField("channel")
    reason = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)


STAFF_CHANNEL_CHOICES = [
    (c.value, c.label) for c in (MediationConsent.Channel.IN_PERSON, MediationConsent.Channel.PHONE)
]


class MediationConsentInputSerializer(serializers.Serializer):
    """A respondent's answer, recorded by a clerk or director before the case is accepted;
    a refusal needs what the respondent said."""

    case_party = serializers.IntegerField(help_text="id of a respondent of the case")
    answer = serializers.ChoiceField(choices=MediationConsent.Answer.choices)
    channel = serializers.ChoiceField(choices=STAFF_CHANNEL_CHOICES)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RightsAcknowledgementSerializer(serializers.Serializer):
    """A party's acknowledgement of the notice of their rights and duties."""

    id = serializers.IntegerField(read_only=True)
    case_party = serializers.IntegerField(source="case_party_id", read_only=True)
    name = serializers.CharField(source="case_party.party.name", read_only=True)
    channel = serializers.CharField(read_only=True)
    channel_label = ChoiceLabelField("channel")
    at = serializers.DateTimeField(read_only=True)


class RightsAcknowledgementInputSerializer(serializers.Serializer):
    case_party = serializers.IntegerField(help_text="id of an applicant, respondent or third party")
