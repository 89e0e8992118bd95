"""Shapes of the agreement, signature and document endpoints (SPEC §7)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from documents.models import (
    Agreement,
    DocumentKind,
    DocumentLanguage,
    PaymentMethod,
    Schedule,
    SignatureMethod,
)
from documents.services import (
    AgreementInput,
    InstalmentInput,
    MediatorSignatureInput,
    ObligationInput,
    SignatureInput,
)
from documents.signatories import SignatoryStatus
from mediation.kernel.api.fields import AmountField


class InstalmentSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    amount = AmountField(positive=True)
    due_date = serializers.DateField()


class ObligationSerializer(serializers.Serializer):
    """An obligation: a lump sum (`amount` and `due_date`) or `instalments`."""

    id = serializers.IntegerField(read_only=True)
    payer = serializers.IntegerField(help_text="id of the paying case party")
    payer_name = serializers.CharField(read_only=True)
    payee = serializers.IntegerField(help_text="id of the receiving case party")
    payee_name = serializers.CharField(read_only=True)
    schedule = serializers.ChoiceField(choices=Schedule.choices, default=Schedule.LUMP_SUM)
    method = serializers.ChoiceField(
        choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    amount = AmountField(positive=True, required=False, write_only=True, help_text="lump sum only")
    due_date = serializers.DateField(required=False, write_only=True, help_text="lump sum only")
    instalments = InstalmentSerializer(many=True, required=False)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instalments = attrs.get("instalments") or []
        if attrs["schedule"] == Schedule.LUMP_SUM and not instalments:
            missing = {
                k: [_("A lump sum needs an amount and a due date.")]
                for k in ("amount", "due_date")
                if attrs.get(k) is None
            }
            if missing:
                raise serializers.ValidationError(missing)
            attrs["instalments"] = [{"amount": attrs["amount"], "due_date": attrs["due_date"]}]
        elif attrs["schedule"] == Schedule.INSTALMENTS and not instalments:
            raise serializers.ValidationError(
                {"instalments": [_("List the instalments, each with an amount and a date.")]}
            )
        return attrs

    def to_representation(self, obligation: Any) -> dict[str, Any]:
        return {
            "id": obligation.pk,
            "payer": obligation.payer_id,
            "payer_name": obligation.payer.party.name,
            "payee": obligation.payee_id,
            "payee_name": obligation.payee.party.name,
            "schedule": obligation.schedule,
            "method": obligation.method,
            "note": obligation.note,
            "instalments": [
                {"number": i.number, "amount": f"{i.amount:.2f}", "due_date": i.due_date}
                for i in obligation.instalments.all()
            ],
            "total": f"{obligation.total:.2f}",
        }


# An obligation as `ObligationSerializer.validate` takes it, in the schema: either a lump sum
# with its amount and due date, or its instalments listed. The API reads both with
# `ObligationSerializer`; these two only describe it.
class LumpSumObligationSerializer(ObligationSerializer):
    """A lump sum: its amount and due date."""

    schedule = serializers.ChoiceField(
        choices=[(Schedule.LUMP_SUM.value, Schedule.LUMP_SUM.label)],
        default=Schedule.LUMP_SUM,
    )
    amount = AmountField(positive=True, write_only=True)
    due_date = serializers.DateField(write_only=True)
    instalments = InstalmentSerializer(many=True, required=False, max_length=0)


class InstalmentsObligationSerializer(ObligationSerializer):
    """Paid in the instalments listed (then `amount` and `due_date` are not read)."""

    instalments = InstalmentSerializer(many=True, allow_empty=False)


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="ObligationInput",
        serializers=[LumpSumObligationSerializer, InstalmentsObligationSerializer],
        resource_type_field_name=None,
        many=True,
    )
)
class ObligationInputListSerializer(serializers.ListSerializer):
    """The obligations of an agreement being written (read by `ObligationSerializer`)."""


class AgreementInputSerializer(serializers.Serializer):
    facts = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    disputed_matters = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20000
    )
    responsibilities = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20000
    )
    performance = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000
    )
    clauses = serializers.ListField(
        child=serializers.CharField(max_length=5000, allow_blank=True), required=False, default=list
    )
    obligations = ObligationInputListSerializer(
        child=ObligationSerializer(), required=False, default=list
    )
    agreement_date = serializers.DateField(required=False, allow_null=True)
    expected_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The version the editor started from; another current version answers 409.",
    )

    def to_input(self) -> AgreementInput:
        data = self.validated_data
        return AgreementInput(
            facts=data["facts"],
            disputed_matters=data["disputed_matters"],
            responsibilities=data["responsibilities"],
            performance=data["performance"],
            clauses=data["clauses"],
            agreement_date=data.get("agreement_date"),
            obligations=[
                ObligationInput(
                    payer=o["payer"],
                    payee=o["payee"],
                    schedule=o["schedule"],
                    method=o["method"],
                    note=o.get("note", ""),
                    instalments=[
                        InstalmentInput(amount=i["amount"], due_date=i["due_date"])
                        for i in o["instalments"]
                    ],
                )
                for o in data["obligations"]
            ],
        )


class SignerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()


class SignatureBriefSerializer(serializers.Serializer):
    signer = serializers.IntegerField(source="signer_id")
    signer_name = serializers.CharField()
    method = serializers.CharField()
    signed_at = serializers.DateTimeField()
    version = serializers.IntegerField(source="version.number")


class SignatoryStatusSerializer(serializers.Serializer):
    party = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    signers = serializers.SerializerMethodField()
    signed = serializers.SerializerMethodField()
    signature = serializers.SerializerMethodField()
    minor = serializers.SerializerMethodField(
        help_text="under 18 today: only their guardian or agent signs for them"
    )

    def get_minor(self, status: SignatoryStatus) -> bool:
        return status.minor

    def get_party(self, status: SignatoryStatus) -> int:
        return status.party.pk

    def get_name(self, status: SignatoryStatus) -> str:
        return status.party.party.name

    def get_role(self, status: SignatoryStatus) -> str:
        return status.party.role

    @extend_schema_field(SignerSerializer(many=True))
    def get_signers(self, status: SignatoryStatus) -> list[dict[str, Any]]:
        return [{"id": cp.pk, "name": cp.party.name, "role": cp.role} for cp in status.signers]

    def get_signed(self, status: SignatoryStatus) -> bool:
        return status.signature is not None

    @extend_schema_field(SignatureBriefSerializer(allow_null=True))
    def get_signature(self, status: SignatoryStatus) -> dict[str, Any] | None:
        if status.signature is None:
            return None
        return SignatureBriefSerializer(status.signature).data


class AgreementSerializer(serializers.ModelSerializer):
    sha256 = serializers.SerializerMethodField(help_text="SHA-256 of the current version's text")
    obligations = ObligationSerializer(many=True, read_only=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    signatories = serializers.SerializerMethodField()
    complete = serializers.SerializerMethodField()
    mediator_signed = serializers.SerializerMethodField(
        help_text="the mediator has signed: the agreement has taken effect under the body's seal"
    )

    class Meta:
        model = Agreement
        fields = [
            "number",
            "version",
            "sha256",
            "agreement_date",
            "facts",
            "disputed_matters",
            "responsibilities",
            "clauses",
            "obligations",
            "total",
            "performance",
            "signatories",
            "complete",
            "mediator_signed",
        ]
        read_only_fields = fields

    def get_mediator_signed(self, agreement: Agreement) -> bool:
        return agreement.mediator_signatures.filter(version__number=agreement.version).exists()

    def get_sha256(self, agreement: Agreement) -> str | None:
        version = agreement.current_version
        return version.sha256 if version else None

    @extend_schema_field(SignatoryStatusSerializer(many=True))
    def get_signatories(self, agreement: Agreement) -> list[dict[str, Any]]:
        return SignatoryStatusSerializer(self.context["statuses"], many=True).data

    def get_complete(self, agreement: Agreement) -> bool:
        statuses = self.context["statuses"]
        return bool(statuses) and all(s.signature is not None for s in statuses)


def _max_image_chars() -> int:
    # base64 grows by 4/3; a data-URI prefix adds a little.
    return settings.FENGQIAO_SIGNATURE_IMAGE_MAX_BYTES * 4 // 3 + 100


class SignatureCreateSerializer(serializers.Serializer):
    signatory = serializers.IntegerField(help_text="the case party signed for")
    method = serializers.ChoiceField(choices=SignatureMethod.choices)
    signer = serializers.IntegerField(
        required=False, help_text="in person: the case party who signs (an agent or guardian)"
    )
    signer_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="typed by hand"
    )
    image = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "in person: the drawn signature, a complete PNG of at least 80×30 pixels with a "
            "drawing on it, base64 or a data: URI"
        ),
    )
    code = serializers.CharField(
        max_length=10, required=False, allow_blank=True, default="", help_text="online"
    )
    version = serializers.IntegerField(
        required=False, help_text="the version shown to the signer; another answers 409"
    )
    representative_name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="an organisation signing: who signs for it (default signer_name)",
    )
    representative_role = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "an organisation signing (in person or online, required): in what capacity, e.g. "
            "法定代表人, 理赔经办人"
        ),
    )
    seal_affixed = serializers.BooleanField(
        required=False, default=False, help_text="an organisation signing: its seal is affixed"
    )

    def validate_image(self, value: str) -> bytes:
        return _image_bytes(value)

    def to_input(self) -> SignatureInput:
        data = self.validated_data
        return SignatureInput(
            signatory=data["signatory"],
            method=data["method"],
            signer=data.get("signer"),
            signer_name=data["signer_name"],
            image=data["image"],
            code=data["code"],
            version=data.get("version"),
            representative_name=data["representative_name"],
            representative_role=data["representative_role"],
            seal_affixed=data["seal_affixed"],
        )


class MediatorSignatureCreateSerializer(serializers.Serializer):
    signer_name = serializers.CharField(
        max_length=200, help_text="the mediator's name, typed by hand"
    )
    image = serializers.CharField(
        help_text="the drawn signature, a complete PNG (base64 or a data: URI)"
    )
    version = serializers.IntegerField(
        required=False, help_text="the version shown to the mediator; another answers 409"
    )

    def validate_image(self, value: str) -> bytes:
        return _image_bytes(value)

    def to_input(self) -> MediatorSignatureInput:
        data = self.validated_data
        return MediatorSignatureInput(
            signer_name=data["signer_name"], image=data["image"], version=data.get("version")
        )


def _image_bytes(value: str) -> bytes:
    """A drawn signature sent as base64 or a data: URI, decoded (its checks are the service's)."""
    if not value:
        return b""
    if len(value) > _max_image_chars():
        raise serializers.ValidationError(
            _("The signature image is too large (at most %(kb)d KB).")
            % {"kb": settings.FENGQIAO_SIGNATURE_IMAGE_MAX_BYTES // 1024}
        )
    if value.startswith("data:"):
        header, _sep, value = value.partition(",")
        if ";base64" not in header:
            raise serializers.ValidationError(_("Send the image base64-encoded."))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise serializers.ValidationError(_("The image is not valid base64.")) from exc


class SigningCodeRequestSerializer(serializers.Serializer):
    signatory = serializers.IntegerField(help_text="the case party you sign for")


class SigningCodeSentSerializer(serializers.Serializer):
    sent_to = serializers.CharField(help_text="the masked mobile number the code went to")


class DocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    label = serializers.CharField()
    languages = serializers.ListField(child=serializers.ChoiceField(DocumentLanguage.choices))
    generated = serializers.SerializerMethodField()
    pdf = serializers.CharField(help_text="download address (add ?lang=en for English)")

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(), help_text="stored copies")
    )
    def get_generated(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "lang": d.lang,
                "version": d.version,
                "sha256": d.sha256,
                "verification_code": d.verification_code,
                "created_at": d.created_at,
            }
            for d in item["documents"]
        ]
