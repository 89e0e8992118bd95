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


# The 56 ethnic groups in the order and with the names of GB 3304-91 (codes 01-56), then its
# codes 97 and 98. Stored as the name, which is what papers print; a name is the same in every
# language of the pages.
ETHNICITIES = (
    *("汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族"),
    *("满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族"),
    *("佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族"),
    *("土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族"),
    *("阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族"),
    *("保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族"),
    *("基诺族", "其他", "外国血统中国籍人士"),
)
ETHNICITY_CHOICES = [(name, name) for name in ETHNICITIES]


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
    ethnicity = models.CharField(
        _("ethnicity"), max_length=20, choices=ETHNICITY_CHOICES, blank=True
    )
    occupation = models.CharField(_("occupation or employer"), max_length=100, blank=True)
    # A person's domicile or residence; an organization's registered address (住所).
    address = models.CharField(_("address"), max_length=200, blank=True)
    # An organization's legal representative (or principal person in charge) as its business
    # registration names them: public registry data, shown unmasked.
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    legal_representative_title = models.CharField(
        _("title of the legal representative"), max_length=50, blank=True
    )
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
        if self.kind == PartyKind.PERSON:
            for name in ("legal_representative", "legal_representative_title"):
                if getattr(self, name):
                    errors.setdefault(name, []).append(
                        ValidationError(
                            _("Only organizations have a legal representative."), code="invalid"
                        )
                    )
        elif self.kind == PartyKind.ORGANIZATION:
            for name in ("sex", "birth_date", "ethnicity"):
                if getattr(self, name):
                    errors.setdefault(name, []).append(
                        ValidationError(_("Only a person has this particular."), code="invalid")
                    )
        if self.phone:
            self.phone = validators.normalize_phone(self.phone)
            try:
                validators.validate_mobile_phone(self.phone)
            except ValidationError as exc:
                errors.setdefault("phone", []).append(exc)
        if self.id_type == IdType.RESIDENT_ID and self.id_number and "id_number" not in errors:
            errors.update(self._contradictions_of_resident_id())
        if errors:
            raise ValidationError(errors)
        # Derive what the resident ID already says, so the agreement's particulars agree with it.
        if self.id_type == IdType.RESIDENT_ID and self.id_number:
            self.birth_date = self.birth_date or validators.birth_date_from_resident_id(
                self.id_number
            )
            self.sex = self.sex or validators.sex_from_resident_id(self.id_number)

    def _contradictions_of_resident_id(self) -> dict[str, list[ValidationError]]:
        """A typed sex or date of birth the resident ID number contradicts: the number is what
        the court and the papers go by, so the clerk corrects one or the other."""
        errors: dict[str, list[ValidationError]] = {}
        born = validators.birth_date_from_resident_id(self.id_number)
        if self.birth_date and self.birth_date != born:
            errors["birth_date"] = [
                ValidationError(
                    _("The ID number says this person was born on %(date)s."),
                    code="contradicts_id",
                    params={"date": born.isoformat()},
                )
            ]
        sex = validators.sex_from_resident_id(self.id_number)
        if self.sex and self.sex != sex:
            errors["sex"] = [
                ValidationError(
                    _("The ID number says this person is %(sex)s."),
                    code="contradicts_id",
                    params={"sex": Sex(sex).label},
                )
            ]
        return errors


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


class AuthorityScope(models.TextChoices):
    """What an agent's special power of attorney (特别授权) empowers them to do."""

    SETTLE = "settle", _("Admit, waive or change claims and settle")
    SIGN = "sign", _("Sign the mediation agreement")
    CONFIRMATION = "confirmation", _("Apply for judicial confirmation")


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
    # An agent's special power of attorney (特别授权, Civil Procedure Law art. 62): what it
    # covers beyond an ordinary mandate (codes of `AuthorityScope`), its date and the paper it
    # is written on. Without "confirmation" an agent cannot consent to judicial confirmation.
    authority_scope = models.JSONField(_("special authority"), default=list, blank=True)
    authority_date = models.DateField(_("power of attorney dated"), null=True, blank=True)
    authority_document = models.CharField(
        _("power of attorney (document reference)"), max_length=200, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Who changed the role, whom an agent acts for or the power of attorney, and when: the
    # party's page lists it with the record's particulars. Bulk imports write none.
    history = HistoricalRecords(excluded_fields=["created_at"])

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

    def has_special_authority(self, scope: str) -> bool:
        """Whether this agent's recorded special power of attorney covers `scope`."""
        return scope in (self.authority_scope or [])


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


class MediationConsent(AppendOnlyModel):
    """A respondent's answer to whether they accept mediation (People's Mediation Law art. 17:
    a party who clearly refuses is not mediated with). The latest answer counts; earlier ones
    stay as evidence."""

    class Answer(models.TextChoices):
        AGREES = "agrees", _("Agrees to mediation")
        REFUSES = "refuses", _("Refuses mediation")

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("By telephone")
        ONLINE = "online", _("Online")

    case_party = models.ForeignKey(
        CaseParty, on_delete=models.PROTECT, related_name="mediation_consents"
    )
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    reason = models.TextField(_("reason"), blank=True)
    channel = models.CharField(_("how it was given"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("consent to mediation")
        verbose_name_plural = _("consents to mediation")


class RightsAcknowledgement(AppendOnlyModel):
    """A party told of their rights and duties in mediation (人民调解当事人权利义务告知书) and
    acknowledging it, as the committee's file records for each party."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("Signed in person")
        ONLINE = "online", _("Confirmed online")

    case_party = models.ForeignKey(
        CaseParty, on_delete=models.PROTECT, related_name="rights_acknowledgements"
    )
    channel = models.CharField(_("how it was given"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("acknowledgement of the rights notice")
        verbose_name_plural = _("acknowledgements of the rights notice")
