from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from mediation.api.fields import ChoiceLabelField, label_of

from .models import CaseParty, IdType, OrganizationType, PartyKind, PartyRole, Sex
from .services import PartyInput, build_party


class PartyInputSerializer(serializers.Serializer):
    """A party as given when registering a dispute or adding a party (SPEC §7.1)."""

    role = serializers.ChoiceField(choices=PartyRole.choices)
    kind = serializers.ChoiceField(choices=PartyKind.choices)
    name = serializers.CharField(max_length=200)
    id_type = serializers.ChoiceField(choices=IdType.choices, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    organization_type = serializers.ChoiceField(
        choices=OrganizationType.choices, required=False, allow_blank=True
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True)
    occupation = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    represents = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text=(
            "For an agent or guardian: when registering a dispute, the 0-based position of the "
            "party they act for in the same `parties` list (listed before them); when adding a "
            "party to an existing dispute, the id of that case party."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The model's own checks (GB 11643 / GB 32100 / phone), so API and services agree.
        try:
            build_party(self.to_party_input(attrs))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs

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
        }

    def _show(self) -> bool:
        return bool(self.context.get("show_personal_data"))

    def get_id_number(self, obj: CaseParty) -> str:
        return obj.party.id_number if self._show() else obj.party.masked_id_number

    def get_phone(self, obj: CaseParty) -> str:
        return obj.party.phone if self._show() else obj.party.masked_phone
