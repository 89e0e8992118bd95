from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from courts import rules
from mediation.kernel.append_only import StateLog
from mediation.kernel.case_numbers import validate_court_code
from mediation.kernel.choices import (  # noqa: F401 (the referral vocabulary, named here too)
    INBOUND_KINDS,
    OPEN_REFERRAL_STATES,
    OUTBOUND_KINDS,
    CourtLevel,
    ReferralDecision,
    ReferralKind,
    ReferralState,
)
from mediation.kernel.choices import OPEN_STATES as OPEN_DISPUTE_STATES


class Court(models.Model):
    """A people's court that delegates cases, receives referrals and confirms agreements."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # The code used in case numbers, e.g. 赣0102 in (2026)赣0102民初456号.
    code = models.CharField(
        _("court code"), max_length=20, unique=True, validators=[validate_court_code]
    )
    level = models.CharField(_("level"), max_length=20, choices=CourtLevel.choices)
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("court")
        verbose_name_plural = _("courts")

    def __str__(self) -> str:
        return self.name


class CourtStaff(models.Model):
    """A court clerk or judge; bound to exactly one court, which scopes what they see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="court_staff"
    )
    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="staff")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("court staff member")
        verbose_name_plural = _("court staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.court}"


# --- court linkage (诉调对接) ---------------------------------------------------------------------


DECISIONS_BY_KIND: dict[str, tuple[str, ...]] = {
    ReferralKind.DELEGATION: (
        ReferralDecision.MEDIATED,
        ReferralDecision.NOT_MEDIATED,
        ReferralDecision.WITHDRAWN,
    ),
    ReferralKind.ENTRUSTMENT: (
        ReferralDecision.MEDIATED,
        ReferralDecision.NOT_MEDIATED,
        ReferralDecision.WITHDRAWN,
    ),
    ReferralKind.LITIGATION: (
        ReferralDecision.JUDGMENT,
        ReferralDecision.COURT_MEDIATION,
        ReferralDecision.SUIT_WITHDRAWN,
        ReferralDecision.DISMISSED,
    ),
    ReferralKind.CONFIRMATION: (ReferralDecision.CONFIRMED, ReferralDecision.DENIED),
}


class ReferralQuerySet(models.QuerySet["Referral"]):
    def open(self) -> ReferralQuerySet:
        return self.filter(state__in=OPEN_REFERRAL_STATES)

    def overdue(self, today: datetime.date | None = None) -> ReferralQuerySet:
        """Delegations and entrustments whose case is still open after its deadline."""
        today = today or timezone.localdate()
        return self.open().filter(
            kind__in=INBOUND_KINDS,
            dispute__state__in=OPEN_DISPUTE_STATES,
            dispute__deadline__lt=today,
        )

    def due_soon(self, today: datetime.date | None = None) -> ReferralQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(
            kind__in=INBOUND_KINDS,
            dispute__state__in=OPEN_DISPUTE_STATES,
            dispute__due_soon_on__lte=today,
            dispute__deadline__gte=today,
        )


class Referral(ConcurrentTransitionMixin, models.Model):
    """One crossing of a dispute between a mediation body and a court (诉调对接).

    Delegations and entrustments come from the court with the court's number; litigation
    referrals and confirmation applications go to the court, which answers with its own number
    and decision. The dispute's state machine and the referral's move together: the services in
    `courts.services` keep them in step inside one transaction.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ReferralKind.choices)
    dispute = models.ForeignKey(
        "mediation.Dispute",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("dispute"),
    )
    court = models.ForeignKey(
        Court, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("court")
    )
    state = FSMField(
        _("state"),
        default=ReferralState.SENT,
        choices=ReferralState.choices,
        protected=True,
        db_index=True,
    )
    # The court's number: the pre-filing number of a delegation, the case number of an
    # entrustment, the filing number of a litigation referral, the 民特 number of a confirmation.
    case_number = models.CharField(_("court case number"), max_length=60, blank=True)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    decision = models.CharField(
        _("decision"), max_length=20, choices=ReferralDecision.choices, blank=True
    )
    # Why it was returned, or the court's reasons for its decision.
    reason = models.TextField(_("reason"), blank=True)
    # A delegation or entrustment may be extended once, with every party's consent (SPEC §4).
    extended_days = models.PositiveSmallIntegerField(_("extended by (days)"), null=True, blank=True)
    extension_consent = models.JSONField(_("extension consent"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            # At most one open referral of each kind per dispute.
            models.UniqueConstraint(
                fields=["dispute", "kind"],
                condition=models.Q(state__in=["sent", "received", "filed"]),
                name="referral_one_open_per_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["court", "state"], name="referral_court_state"),
            models.Index(fields=["kind", "state"], name="referral_kind_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_number or self.dispute_id} → {self.court}"

    @property
    def is_inbound(self) -> bool:
        """Sent by the court to a mediation body (delegation, entrustment)."""
        return self.kind in INBOUND_KINDS

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REFERRAL_STATES

    # --- transitions. Services call these inside a locked transaction. ---------------------------

    @transition(
        field=state,
        source=ReferralState.SENT,
        target=ReferralState.RECEIVED,
        permission=rules.can_receive,
        custom={"label": _("Record receipt")},
    )
    def receive(self, *, at: datetime.datetime) -> None:
        self.received_at = at

    @transition(
        field=state,
        source=[ReferralState.SENT, ReferralState.RECEIVED],
        target=ReferralState.RETURNED,
        permission=rules.can_receive,
        custom={"label": _("Return")},
    )
    def return_referral(self, *, at: datetime.datetime, reason: str) -> None:
        self.returned_at = at
        self.reason = reason

    @transition(
        field=state,
        source=ReferralState.RECEIVED,
        target=ReferralState.FILED,
        conditions=[rules.is_litigation],
        permission=rules.can_act_as_court,
        custom={"label": _("Record filing")},
    )
    def file(self, *, at: datetime.datetime, case_number: str) -> None:
        self.filed_at = at
        self.case_number = case_number

    @transition(
        field=state,
        source=[ReferralState.RECEIVED, ReferralState.FILED],
        target=ReferralState.DECIDED,
        conditions=[rules.ready_for_decision],
        permission=rules.can_decide,
        custom={"label": _("Record decision")},
    )
    def decide(
        self, *, at: datetime.datetime, decision: str, case_number: str = "", reason: str = ""
    ) -> None:
        self.decided_at = at
        self.decision = decision
        self.reason = reason
        if case_number:
            self.case_number = case_number

    @transition(
        field=state,
        source=ReferralState.RECEIVED,
        target=ReferralState.RECEIVED,
        conditions=[rules.is_from_court, rules.not_yet_extended, rules.case_still_open],
        permission=rules.can_extend,
        custom={"label": _("Extend the mediation period")},
    )
    def extend(self, *, at: datetime.datetime, days: int, consent: dict[str, Any]) -> None:
        self.extended_days = days
        self.extension_consent = {**consent, "recorded_at": at.isoformat()}


REFERRAL_TRANSITIONS = ("receive", "return_referral", "file", "decide", "extend")


class ReferralLog(StateLog):
    """Append-only record of every step of a referral: who, when, from, to and why."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="log_entries", verbose_name=_("referral")
    )
    action = models.CharField(_("action"), max_length=40)

    class Meta(StateLog.Meta):
        verbose_name = _("referral log entry")
        verbose_name_plural = _("referral log")

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_state or '∅'} → {self.to_state} ({self.action})"


# --- joint application for judicial confirmation (司法确认) ---------------------------------------


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person, before the mediator")
    ONLINE = "online", _("Online, with a code sent to the party's phone")


class ConfirmationConsentQuerySet(models.QuerySet["ConfirmationConsent"]):
    """Consents are evidence: never deleted, and changed only to void them."""

    VOIDING_FIELDS = frozenset({"voided_at", "void_reason"})

    def update(self, **kwargs: Any) -> int:
        if not set(kwargs) <= self.VOIDING_FIELDS:
            raise TypeError("A confirmation consent can only be voided.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("ConfirmationConsent is append-only.")

    def live(self) -> ConfirmationConsentQuerySet:
        return self.filter(voided_at__isnull=True)


class ConfirmationConsent(models.Model):
    """An applicant's or respondent's consent to apply jointly for judicial confirmation of the
    agreement (People's Mediation Law art. 33; Civil Procedure Law art. 205): given in person
    before the mediator or online with a one-time code, by the party or by an agent holding a
    special power of attorney for it. Voided, not deleted, when the agreement it was given to no
    longer stands (revised, or confirmation denied)."""

    dispute = models.ForeignKey(
        "mediation.Dispute",
        on_delete=models.PROTECT,
        related_name="confirmation_consents",
        verbose_name=_("dispute"),
    )
    # The applicant or respondent who consents …
    party = models.ForeignKey(
        "parties.CaseParty",
        on_delete=models.PROTECT,
        related_name="confirmation_consents",
        verbose_name=_("for"),
    )
    # … through themselves or their agent.
    given_by = models.ForeignKey(
        "parties.CaseParty",
        on_delete=models.PROTECT,
        related_name="confirmation_consents_given",
        verbose_name=_("given by"),
    )
    method = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("why voided"), max_length=100, blank=True)

    objects = ConfirmationConsentQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("confirmation consent")
        verbose_name_plural = _("confirmation consents")
        constraints = [
            # One live consent per party: a second would say nothing new.
            models.UniqueConstraint(
                fields=["dispute", "party"],
                condition=models.Q(voided_at__isnull=True),
                name="confirmation_consent_one_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.party_id} ({self.method})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("ConfirmationConsent is append-only; void it instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("ConfirmationConsent is append-only.")
