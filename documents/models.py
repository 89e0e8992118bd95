"""Settlement agreements (人民调解协议书), their signatures, and the documents generated for a case.

An agreement is edited as structured content (parties come from the case; facts, matters,
clauses and obligations are kept here) and every saved edit freezes a numbered
`AgreementVersion` with the SHA-256 of its canonical text. Signatures are given to one version;
a newer version supersedes them. Generated PDFs are stored once, content-addressed
(`StoredFile`), and described by `Document` rows that carry the public verification code.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mediation.kernel.append_only import AppendOnlyModel, AppendOnlyQuerySet
from mediation.kernel.choices import PRINCIPAL_ROLES


class Schedule(models.TextChoices):
    LUMP_SUM = "lump_sum", _("Lump sum")
    INSTALMENTS = "instalments", _("Instalments")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    MOBILE = "mobile", _("Mobile payment")
    INSURER_DIRECT = "insurer_direct", _("Paid directly by the insurer")
    OTHER = "other", _("Other")


class Agreement(models.Model):
    """The agreement of one dispute: its working content and the current version number."""

    dispute = models.OneToOneField(
        "mediation.Dispute",
        on_delete=models.PROTECT,
        related_name="agreement",
        verbose_name=_("dispute"),
    )
    number = models.CharField(_("agreement number"), max_length=60, unique=True)
    # The number of the last frozen version; 0 before the first save.
    version = models.PositiveIntegerField(_("version"), default=0)
    agreement_date = models.DateField(_("agreement date"))
    facts = models.TextField(_("facts"), blank=True)
    disputed_matters = models.TextField(_("disputed matters"), blank=True)
    responsibilities = models.TextField(_("responsibilities"), blank=True)
    clauses = models.JSONField(_("clauses"), default=list, blank=True)
    performance = models.TextField(_("how and when performed"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()  # field history

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Decimal:
        """What all obligations together pay: computed, never typed."""
        return sum((o.total for o in self.obligations.all()), Decimal("0.00"))

    @property
    def current_version(self) -> AgreementVersion | None:
        return self.versions.filter(number=self.version).first()

    def has_terms(self) -> bool:
        """SPEC §5: an agreement needs at least one clause or obligation."""
        return any(str(c).strip() for c in self.clauses) or self.obligations.exists()

    def is_signed_by_all(self) -> bool:
        """Every applicant, respondent and third party has signed the current version, in
        person or through a representative (People's Mediation Law art. 29)."""
        required = set(
            self.dispute.case_parties.filter(role__in=PRINCIPAL_ROLES).values_list("pk", flat=True)
        )
        if not required or not self.version:
            return False
        signed = set(
            Signature.objects.filter(
                agreement=self, version__number=self.version, voided_at__isnull=True
            ).values_list("signatory_id", flat=True)
        )
        return required <= signed


class Obligation(models.Model):
    """One party's duty to pay another: a lump sum or numbered instalments."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="obligations", verbose_name=_("agreement")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    payer = models.ForeignKey(
        "parties.CaseParty", on_delete=models.PROTECT, related_name="+", verbose_name=_("payer")
    )
    payee = models.ForeignKey(
        "parties.CaseParty", on_delete=models.PROTECT, related_name="+", verbose_name=_("payee")
    )
    schedule = models.CharField(_("schedule"), max_length=20, choices=Schedule.choices)
    method = models.CharField(
        _("payment method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "position"], name="obligation_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_id} → {self.payee_id}: {self.total}"

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.instalments.all()), Decimal("0.00"))


class Instalment(models.Model):
    """An amount due on a date; a lump sum is an obligation with one instalment."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("number"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    due_date = models.DateField(_("due date"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "number"], name="instalment_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="instalment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.amount} @ {self.due_date}"


class AgreementVersion(AppendOnlyModel):
    """A frozen version of the agreement: what exactly a signature was given to."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="versions", verbose_name=_("agreement")
    )
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))
    # The canonical text (see documents.services.canonical_text) and its SHA-256.
    text = models.TextField(_("text"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["agreement", "number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class SignatureMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person, on the mediator's device")
    ONLINE = "online", _("Online, with a one-time code")


class Signature(models.Model):
    """A signatory's signature on one version, given by them or by their agent or guardian."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("agreement")
    )
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    # For whom: a principal party (applicant, respondent, third party).
    signatory = models.ForeignKey(
        "parties.CaseParty", on_delete=models.PROTECT, related_name="+", verbose_name=_("for")
    )
    # Who signed: the signatory, or the agent or guardian recorded for them.
    signer = models.ForeignKey(
        "parties.CaseParty", on_delete=models.PROTECT, related_name="+", verbose_name=_("signer")
    )
    signer_name = models.CharField(_("name as typed"), max_length=200)
    method = models.CharField(_("method"), max_length=20, choices=SignatureMethod.choices)
    # The drawn signature (PNG, re-encoded); empty for online signatures.
    image = models.BinaryField(_("signature image"), blank=True, default=b"")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    text_sha256 = models.CharField(_("SHA-256 of the text signed"), max_length=64)
    # An organisation signs through a named person (its legal representative, a claims handler)
    # and its seal: who held the pen, in what capacity, and whether the company seal was affixed.
    representative_name = models.CharField(_("representative"), max_length=100, blank=True)
    representative_role = models.CharField(_("representative's role"), max_length=100, blank=True)
    seal_affixed = models.BooleanField(_("seal affixed"), default=False)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    # A signature stops counting when the agreement is revised; it is kept, marked void.
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("why void"), max_length=200, blank=True)

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "signatory"],
                condition=models.Q(voided_at__isnull=True),
                name="signature_once_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} for {self.signatory_id} on v{self.version_id}"


class MediatorSignature(models.Model):
    """The assigned mediator's own signature on the version every party signed: given last, it
    makes the agreement take effect with the body's seal (People's Mediation Law art. 29)."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="mediator_signatures",
        verbose_name=_("agreement"),
    )
    version = models.OneToOneField(
        AgreementVersion, on_delete=models.PROTECT, related_name="mediator_signature"
    )
    mediator = models.ForeignKey(
        "mediation.Mediator", on_delete=models.PROTECT, related_name="+", verbose_name=_("mediator")
    )
    signer_name = models.CharField(_("name as typed"), max_length=200)
    image = models.BinaryField(_("signature image"))  # the drawn signature (PNG, re-encoded)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    text_sha256 = models.CharField(_("SHA-256 of the text signed"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        verbose_name = _("mediator's signature")
        verbose_name_plural = _("mediator's signatures")

    def __str__(self) -> str:
        return f"{self.signer_name} (mediator) on v{self.version_id}"


class MinutesSignature(AppendOnlyModel):
    """One person present at a held session signs its minutes (调解笔录), on the mediator's
    device: an attendee (a party, an agent, a guardian; an organisation through a named
    representative) or a mediator of the session. An attendee who will not sign is recorded as
    refusing, with the mediator's note (拒绝签字), as paper minutes note it. Once per person and
    session; never changed."""

    session = models.ForeignKey(
        "mediation.MediationSession",
        on_delete=models.PROTECT,
        related_name="minutes_signatures",
        verbose_name=_("session"),
    )
    # Who: an attendee of the session, or one of its mediators (exactly one of the two).
    attendee = models.ForeignKey(
        "parties.CaseParty",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attendee"),
    )
    mediator = models.ForeignKey(
        "mediation.Mediator",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mediator"),
    )
    signer_name = models.CharField(_("name as typed"), max_length=200)
    representative_name = models.CharField(_("representative"), max_length=100, blank=True)
    representative_role = models.CharField(_("representative's role"), max_length=100, blank=True)
    refused = models.BooleanField(_("refused to sign"), default=False)
    note = models.CharField(_("mediator's note"), max_length=500, blank=True)
    # The drawn signature (PNG, re-encoded); empty for a refusal.
    image = models.BinaryField(_("signature image"), blank=True, default=b"")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    text_sha256 = models.CharField(_("SHA-256 of the text signed"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = _("signature of minutes")
        verbose_name_plural = _("signatures of minutes")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "attendee"],
                condition=models.Q(attendee__isnull=False),
                name="minutes_signature_once_per_attendee",
            ),
            models.UniqueConstraint(
                fields=["session", "mediator"],
                condition=models.Q(mediator__isnull=False),
                name="minutes_signature_once_per_mediator",
            ),
            models.CheckConstraint(
                condition=models.Q(attendee__isnull=False, mediator__isnull=True)
                | models.Q(attendee__isnull=True, mediator__isnull=False),
                name="minutes_signature_attendee_or_mediator",
            ),
            # A mediator signs the minutes they keep; only an attendee may refuse.
            models.CheckConstraint(
                condition=models.Q(refused=False) | models.Q(attendee__isnull=False),
                name="minutes_signature_refused_by_attendee",
            ),
        ]

    def __str__(self) -> str:
        what = "refused" if self.refused else "signed"
        return f"{self.signer_name} {what} minutes of session {self.session_id}"


class OneTimeCode(models.Model):
    """A code sent by SMS that lets a portal user sign one version; only its hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "purpose"], name="otp_user_purpose")]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"

    def spend_attempt(self) -> bool:
        """Count one try of this code, before it is compared with what was typed: True while it
        had tries left (FENGQIAO_OTP_MAX_ATTEMPTS), False once they are spent.

        One conditional UPDATE, not a read and a write: of any number of simultaneous tries, at
        most the limit are counted and get to compare. The count belongs to the caller's
        transaction, which must commit it whether or not the code turns out right."""
        limit = settings.FENGQIAO_OTP_MAX_ATTEMPTS
        counted = OneTimeCode.objects.filter(pk=self.pk, attempts__lt=limit).update(
            attempts=models.F("attempts") + 1
        )
        return counted == 1


class StoredFile(models.Model):
    """A file stored once under its SHA-256 and never overwritten."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, primary_key=True)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    path = models.CharField(_("path"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.sha256


class DocumentKind(models.TextChoices):
    AGREEMENT = "agreement", _("People's mediation agreement")
    ACCEPTANCE_NOTICE = "acceptance_notice", _("Acceptance notice")
    TERMINATION = "termination", _("Termination of mediation")
    REFERRAL_LETTER = "referral_letter", _("Referral letter")
    CONFIRMATION_APPLICATION = "confirmation_application", _("Judicial confirmation application")
    REFUSAL_NOTICE = "refusal_notice", _("Refusal notice")
    ORAL_AGREEMENT = "oral_agreement", _("Oral agreement record")
    SESSION_MINUTES = "session_minutes", _("Session minutes")
    CASE_FILE = "case_file", _("Case file")


class DocumentLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Document(models.Model):
    """A generated, signed PDF of a case: one per case, kind, language and agreement version;
    minutes (调解笔录) one per session and language."""

    dispute = models.ForeignKey(
        "mediation.Dispute",
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("dispute"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    lang = models.CharField(_("language"), max_length=10, choices=DocumentLanguage.choices)
    # The agreement version an agreement PDF shows; 0 for the other kinds.
    version = models.PositiveIntegerField(_("version"), default=0)
    # The session whose minutes these are: set for minutes, and for nothing else.
    session = models.ForeignKey(
        "mediation.MediationSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("session"),
    )
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="documents")
    verification_code = models.CharField(_("verification code"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["dispute", "kind", "lang", "version"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        # Conditional, not a unique key over a nullable column: PostgreSQL counts NULLs as
        # distinct, so (dispute, kind, lang, version, session) would let a case's notice be
        # stored twice.
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "kind", "lang", "version"],
                condition=models.Q(session__isnull=True),
                name="document_once",
            ),
            models.UniqueConstraint(
                fields=["session", "lang"],
                condition=models.Q(session__isnull=False),
                name="document_once_per_session",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="session_minutes", session__isnull=False)
                    | (~models.Q(kind="session_minutes") & models.Q(session__isnull=True))
                ),
                name="document_session_for_minutes_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.dispute_id} ({self.lang})"

    @property
    def sha256(self) -> str:
        return self.file_id
