from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mediation.kernel.append_only import AppendOnlyModel
from mediation.kernel.choices import (  # noqa: F401 (the roles, named here too)
    PRINCIPAL_ROLES,
    REPRESENTATIVE_ROLES,
    PartyRole,
)
from parties import validators
from parties.crypto import EncryptedTextField, search_hash


class PartyKind(models.TextChoices):
    PERSON = "person", _("Natural person")
    ORGANIZATION = "organization", _("Organization")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    USCC = "uscc", _("Unified social credit code")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_PERMIT = "hk_macao_permit", _("Mainland travel permit for HK/Macao residents")
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
    OTHER = "other", _("Other")


class OrganizationType(models.TextChoices):
    INSURER = "insurer", _("Insurer")
    BANK = "bank", _("Bank")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    EMPLOYER = "employer", _("Employer")
    GOVERNMENT = "government", _("Government body")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Party(models.Model):
    """What one mediation body records about a person or organization: its record, used by that
    body's cases and by no other body's.

    Two bodies that meet the same person keep two records, linked only by the keyed hash of the
    ID number. What one body types (a phone number, an address) therefore never changes what
    another body or the person's portal account relies on, and no body learns from an answer
    whether another body knows the number.
    """

    # Null only for records that were in no case when records were split per body.
    body = models.ForeignKey(
        "mediation.MediationBody",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_records",
        verbose_name=_("mediation body"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    # Encrypted at rest (parties/crypto.py); found by its keyed hash, which
    # `party_unique_identity` indexes with the body and the ID type.
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    organization_type = models.CharField(
        _("organization type"), max_length=20, choices=OrganizationType.choices, blank=True
    )
    # Particulars the agreement must carry (People's Mediation Law art. 28).
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation or employer"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The portal account that acts as this record (follows its cases, signs for it). Set only
    # by `parties.portal.link_records`, when the account's verified phone and identity match
    # this record; one account acts for its records in every body.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_records",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            # In one body, the same identity document names one record, however many of the
            # body's disputes the person is in.
            models.UniqueConstraint(
                fields=["body", "id_type", "id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="party_unique_identity",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number_hash = search_hash(self.id_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_number_hash"}
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return validators.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return validators.mask_phone(self.phone)

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        if self.id_number and not self.id_type:
            errors.setdefault("id_type", []).append(
                ValidationError(_("Say which kind of ID this number is."), code="required")
            )
        if self.id_type == IdType.RESIDENT_ID and self.id_number:
            self.id_number = validators.normalize_resident_id(self.id_number)
            try:
                validators.validate_resident_id(self.id_number)
            except ValidationError as exc:
                errors.setdefault("id_number", []).append(exc)
        elif self.id_type == IdType.USCC and self.id_number:
            self.id_number = validators.normalize_uscc(self.id_number)
            try:
                validators.validate_uscc(self.id_number)
            except ValidationError as exc:
                errors.setdefault("id_number", []).append(exc)
        if self.id_type == IdType.RESIDENT_ID and self.kind == PartyKind.ORGANIZATION:
            errors.setdefault("id_type", []).append(
                ValidationError(_("An organization is identified by its USCC."), code="invalid")
            )
        if self.id_type == IdType.USCC and self.kind == PartyKind.PERSON:
            errors.setdefault("id_type", []).append(
                ValidationError(_("A person cannot have a USCC."), code="invalid")
            )
        if self.organization_type and self.kind == PartyKind.PERSON:
            errors.setdefault("organization_type", []).append(
                ValidationError(_("Only organizations have an organization type."), code="invalid")
            )
        if self.phone:
            self.phone = validators.normalize_phone(self.phone)
            try:
                validators.validate_mobile_phone(self.phone)
            except ValidationError as exc:
                errors.setdefault("phone", []).append(exc)
        if errors:
            raise ValidationError(errors)
        # Derive what the resident ID already says, so the agreement's particulars agree with it.
        if self.id_type == IdType.RESIDENT_ID and self.id_number:
            self.birth_date = self.birth_date or validators.birth_date_from_resident_id(
                self.id_number
            )
            self.sex = self.sex or validators.sex_from_resident_id(self.id_number)


class PortalAccount(models.Model):
    """A person's own way into the portal: the phone they proved by code and who they are.

    The account, not any body's record, holds the number a sign-in code goes to. A record of a
    body acts through the account only when the record carries the same identity (ID type and
    number) and the same phone: what a clerk types can point a record at an account its holder
    proved, never point an account at someone else's record.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("verified phone"), max_length=20, unique=True)
    # Null until the holder first signs in with a code sent to the number.
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    # Blank only for accounts made before identities were recorded: those act for the records
    # they were given and are never linked to more.
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")

    def __str__(self) -> str:
        return f"{self.name} ({validators.mask_phone(self.phone)})"

    @property
    def masked_phone(self) -> str:
        return validators.mask_phone(self.phone)


class CaseParty(models.Model):
    """A party's role in one dispute."""

    # Indexed first in `caseparty_unique_role`: no index of its own, which bulk imports pay for.
    dispute = models.ForeignKey(
        "mediation.Dispute", on_delete=models.CASCADE, related_name="case_parties", db_index=False
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="case_roles")
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    # For agents and guardians: the principal they act for in this dispute.
    represents = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="representatives",
        verbose_name=_("represents"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("case party")
        verbose_name_plural = _("case parties")
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "party", "role"], name="caseparty_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.party}"


class PersonalDataRequest(AppendOnlyModel):
    """A party's personal data exported or erased on request: who asked, when, why,
    and what was done. Kept after the erasure, without the erased data."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASURE = "erasure", _("Erasure")

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="data_requests")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")


class PhoneChange(AppendOnlyModel):
    """A new phone number on a record that a portal account acts for, and on whose word.

    Such a record's number changes only when its holder confirms with a code sent to the number
    their account proved, or on a director's recorded decision (a lost phone); the old number is
    told either way."""

    class Method(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed by the party with a code")
        DECISION = "decision", _("Director's decision")

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="phone_changes")
    method = models.CharField(_("on whose word"), max_length=10, choices=Method.choices)
    decision = models.TextField(_("decision"), blank=True)
    old_phone = models.CharField(_("old phone"), max_length=20, blank=True)
    new_phone = models.CharField(_("new phone"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("phone change")
        verbose_name_plural = _("phone changes")
