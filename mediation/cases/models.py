from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from mediation.cases import rules
from mediation.cases.bodies import (  # noqa: F401 (named here for the code that imports them so)
    CaseNumberCounter,
    MediationBody,
    Mediator,
    ReferenceCounter,
    StaffMember,
    category_list_default,
    new_calendar_token,
)
from mediation.cases.deadlines import court_deadline_days, deadline_dates, due_soon_q, overdue_q
from mediation.kernel.append_only import StateLog
from mediation.kernel.choices import (
    COURT_CHANNELS,
    INBOUND_KINDS,
    OPEN_STATES,
    Category,
    Channel,
    CloseOutcome,
    DeadlineStatus,
    FamilyMatter,
    Outcome,
    SessionKind,
    SessionStatus,
    State,
    Track,
)


class SliceDims(NamedTuple):
    body_id: int
    mediator_id: int | None
    court_id: int | None
    category: str
    track: str
    channel: str
    received_at: datetime.date


class DisputeQuerySet(models.QuerySet["Dispute"]):
    def open(self) -> DisputeQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, today: datetime.date | None = None) -> DisputeQuerySet:
        return self.filter(overdue_q(today))

    def due_soon(self, today: datetime.date | None = None) -> DisputeQuerySet:
        return self.filter(due_soon_q(today))


class Dispute(ConcurrentTransitionMixin, models.Model):
    """A multi-party dispute carried from intake to court linkage (SPEC §3)."""

    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    # The body's own case number (字号), printed on its papers and shown first on pages:
    # （2026）东医调字第123号 when registered here, the ledger's number when imported. `reference`
    # stays the internal one, in URLs and the API.
    case_number = models.CharField(_("case number"), max_length=60, blank=True, editable=False)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("intake channel"), max_length=20, choices=Channel.choices)
    track = models.CharField(_("track"), max_length=20, choices=Track.choices, blank=True)
    # No index of their own on body, mediator and state: the composite indexes in Meta start
    # with them, and every index is written on every insert (a ledger import pays it per row).
    body = models.ForeignKey(
        MediationBody,
        on_delete=models.PROTECT,
        related_name="disputes",
        verbose_name=_("body"),
        db_index=False,
    )
    mediator = models.ForeignKey(
        Mediator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("mediator"),
        db_index=False,
    )
    # The court involved: the delegating court, the court referred to, or the confirming court.
    court = models.ForeignKey(
        "courts.Court",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("court"),
    )
    court_case_number = models.CharField(_("court case number"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200)
    # For marriage and family cases: what the case is about, since status matters (marriage,
    # adoption, parentage) cannot be judicially confirmed.
    family_matter = models.CharField(
        _("family matter"), max_length=20, choices=FamilyMatter.choices, blank=True
    )
    facts = models.TextField(_("facts"), blank=True)
    claimed_amount = models.DecimalField(
        _("claimed amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Until the agreement documents land, `draft_agreement` records the terms here.
    agreement_terms = models.TextField(_("agreement terms"), blank=True)
    agreed_amount = models.DecimalField(
        _("agreed amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    received_at = models.DateField(_("received on"))
    accepted_at = models.DateField(_("accepted on"), null=True, blank=True)
    signed_at = models.DateField(_("agreement effective on"), null=True, blank=True)
    concluded_at = models.DateField(_("concluded on"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # The day the case turns "due soon" (80 % of its time), stored so queues can filter on it.
    due_soon_on = models.DateField(_("due soon from"), null=True, blank=True)
    # Marked by `check_deadlines` (cron / Celery beat) so alerts go out once; queues and filters
    # compute due-soon and overdue from the dates above and do not depend on it.
    deadline_status = models.CharField(
        _("deadline status"), max_length=10, choices=DeadlineStatus.choices, blank=True
    )
    deadline_status_since = models.DateField(_("deadline status since"), null=True, blank=True)
    # Taken in from a paper ledger (调解台账, SPEC §8) rather than registered here. Its time ran on
    # paper, where pauses and extensions went unrecorded, so an open one carries no deadline:
    # it is the body's history to settle, not overdue work (accepting a registered one here
    # starts its clock as for any case).
    from_ledger = models.BooleanField(_("historical ledger case"), default=False)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    close_outcome = models.CharField(
        _("closing outcome"), max_length=30, choices=CloseOutcome.choices, blank=True
    )
    state = FSMField(_("state"), default=State.REGISTERED, choices=State.choices, protected=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DisputeQuerySet.as_manager()

    # Field history besides the transition log: who changed the facts, amounts, parties' case;
    # the audit page shows it to directors.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            # A body's case number names one case (and lets a clerk look a case up by it).
            models.UniqueConstraint(
                fields=["body", "case_number"],
                condition=~models.Q(case_number=""),
                name="dispute_body_case_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["mediator", "state"], name="dispute_mediator_state"),
            # Sized on a million cases (bench/scale.py and its README).
            # Lists in their own order (newest received first: SPEC §7's list, the queue's "all"
            # tab): the first page is read off an index and its count from the index alone,
            # instead of sorting every matching case; a body's staff see their body's cases, so
            # the body comes before the date. The first two replace the indexes on (body, state)
            # and (category, state), prefixes of them.
            models.Index(
                fields=["body", "state", "received_at", "id"], name="dispute_body_state_recv"
            ),
            models.Index(
                fields=["category", "state", "body", "received_at", "id"],
                name="dispute_category_state_body",
            ),
            models.Index(fields=["body", "received_at", "id"], name="dispute_body_received"),
            models.Index(fields=["received_at", "id"], name="dispute_received"),
            # The queue's tabs of open cases (a few percent of all): in deadline order, counted
            # without reading the table. The columns after the id only ride along (as INCLUDE
            # would, which SQLite lacks). It also serves the overdue list across bodies, for
            # which an index on (state, deadline) was as slow as none and cost every write.
            models.Index(
                fields=["body", "deadline", "id", "state", "mediator", "due_soon_on"],
                condition=models.Q(state__in=OPEN_STATES),
                name="dispute_open_by_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def number(self) -> str:
        """The number a case is known by on pages and papers: the body's, else the reference."""
        return self.case_number or self.reference

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Dispute:
        instance = super().from_db(db, field_names, values)
        if len(values) == len(cls._meta.concrete_fields):
            # The slice its figures were counted in when read: a save that moves the case to
            # another slice refreshes the one it left too (`mediation.figures.kept`).
            instance._counted_in = instance.slice_dims()
        return instance

    def slice_dims(self) -> SliceDims:
        """What decides the slice of `FigureSlice` the case is counted in."""
        return SliceDims(
            self.body_id,
            self.mediator_id,
            self.court_id,
            self.category,
            self.track,
            self.channel,
            self.received_at,
        )

    # --- derived facts ---------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.deadline is not None and self.deadline < today

    def is_due_soon(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.is_open
            and self.due_soon_on is not None
            and self.deadline is not None
            and self.due_soon_on <= today <= self.deadline
        )

    def set_deadline(self, start: datetime.date, days: int) -> None:
        """Deadline `days` after `start`; due soon once the due-soon fraction has elapsed."""
        self.deadline, self.due_soon_on = deadline_dates(start, days)

    def start_court_clock(self) -> None:
        """Court-delegated and entrusted cases run from the court's date, not acceptance."""
        days = court_deadline_days(self.channel)
        if days is not None:
            self.set_deadline(self.received_at, days)

    def delegating_court(self) -> Any:
        """The court that delegated or entrusted the case (`courts.Court`), if one did."""
        if self.channel not in COURT_CHANNELS:
            return None
        referral = (
            self.referrals.filter(kind__in=INBOUND_KINDS)
            .select_related("court")
            .order_by("sent_at", "id")
            .first()
        )
        return referral.court if referral else self.court

    def _conclude(self, outcome: str, on: datetime.date) -> None:
        self.outcome = outcome
        self.concluded_at = on

    # --- transitions (SPEC §3). Services call these inside a locked transaction. -----------------

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.ACCEPTED,
        conditions=[
            rules.has_applicant_and_respondent,
            rules.has_category,
            rules.has_court_reference_if_court_case,
            rules.no_respondent_refuses,
        ],
        permission=rules.can_accept,
    )
    def accept(self, *, on: datetime.date) -> None:
        self.accepted_at = on
        if self.channel in COURT_CHANNELS:
            self.start_court_clock()
        else:
            self.set_deadline(on, self.body.deadline_days_for(self.category))

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.DECLINED,
        permission=rules.can_decline,
    )
    def decline(self, *, on: datetime.date) -> None:
        self._conclude(Outcome.DECLINED, on)

    @transition(
        field=state,
        source=State.ACCEPTED,
        target=State.ASSIGNED,
        permission=rules.can_assign,
    )
    def assign(self, *, mediator: Mediator, track: str) -> None:
        self.mediator = mediator
        self.track = track

    @transition(
        field=state,
        source=[State.ASSIGNED, State.MEDIATING],
        target=State.ASSIGNED,
        permission=rules.can_assign,
    )
    def reassign(self, *, body: MediationBody, mediator: Mediator, track: str) -> None:
        # The deadline set at acceptance stays: moving the case does not restart its clock.
        self.body = body
        self.mediator = mediator
        self.track = track

    @transition(
        field=state,
        source=State.ASSIGNED,
        target=State.MEDIATING,
        conditions=[rules.has_session],
        permission=rules.can_mediate,
    )
    def start(self) -> None:
        pass

    @transition(
        field=state,
        source=State.MEDIATING,
        target=State.AGREED,
        conditions=[rules.has_agreement_terms],
        permission=rules.can_mediate,
    )
    def draft_agreement(self) -> None:
        pass

    @transition(
        field=state,
        source=State.MEDIATING,
        target=State.SIGNED,
        conditions=[rules.is_peoples_track],
        permission=rules.can_mediate,
    )
    def record_oral_agreement(self, *, on: datetime.date, content: str) -> None:
        # A simple matter settled on the spot (People's Mediation Law arts. 28, 30): the record
        # is the agreement; it takes effect with the parties' assent, no signatures.
        self.agreement_terms = content
        self.signed_at = on
        self._conclude(Outcome.SUCCESS, on)

    @transition(
        field=state,
        source=State.AGREED,
        target=State.MEDIATING,
        permission=rules.can_mediate,
    )
    def revise(self) -> None:
        pass

    @transition(
        field=state,
        source=State.AGREED,
        target=State.SIGNED,
        conditions=[rules.all_signatories_signed, rules.mediator_signed],
        permission=rules.can_mediate,
    )
    def sign(self, *, on: datetime.date) -> None:
        self.signed_at = on
        self._conclude(Outcome.SUCCESS, on)

    @transition(
        field=state,
        source=State.SIGNED,
        target=State.CONFIRMING,
        conditions=[
            rules.not_entrusted_for_confirmation,
            rules.not_an_oral_agreement,
            rules.not_family_status,
            rules.within_confirmation_window,
            rules.all_principals_consented,
        ],
        permission=rules.can_apply_confirmation,
    )
    def apply_confirmation(self, *, court: Any) -> None:
        self.court = court

    @transition(
        field=state,
        source=State.CONFIRMING,
        target=State.CONFIRMED,
        conditions=[rules.court_has_received_confirmation],
        permission=rules.can_decide_confirmation,
    )
    def confirm(self) -> None:
        # The ruling number (民特) is kept on the confirmation referral, not over the case's
        # own court number.
        pass

    @transition(
        field=state,
        source=State.CONFIRMING,
        target=State.MEDIATING,
        conditions=[rules.court_has_received_confirmation],
        permission=rules.can_decide_confirmation,
    )
    def deny_confirmation(self) -> None:
        # Back to mediation: the earlier success no longer stands (People's Mediation Law art. 33).
        self.outcome = ""
        self.concluded_at = None
        self.signed_at = None

    @transition(
        field=state,
        source=[State.ASSIGNED, State.MEDIATING, State.AGREED],
        target=State.FAILED,
        permission=rules.can_fail,
    )
    def fail(self, *, on: datetime.date) -> None:
        self._conclude(Outcome.FAILURE, on)

    @transition(
        field=state,
        source=State.FAILED,
        target=State.REFERRED,
        conditions=[rules.not_entrusted_for_referral],
        permission=rules.can_refer,
    )
    def refer_to_court(self, *, court: Any) -> None:
        self.court = court

    @transition(
        field=state,
        source=list(OPEN_STATES),
        target=State.WITHDRAWN,
        permission=rules.can_withdraw,
    )
    def withdraw(self, *, on: datetime.date) -> None:
        self._conclude(Outcome.WITHDRAWN, on)

    @transition(
        field=state,
        source=[State.SIGNED, State.CONFIRMED, State.FAILED, State.REFERRED],
        target=State.CLOSED,
        permission=rules.can_close,
    )
    def close(self, *, outcome: str) -> None:
        self.close_outcome = outcome


class TransitionLog(StateLog):
    """Append-only record of every state change: who, when, from, to and why."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="log_entries", verbose_name=_("dispute")
    )
    transition = models.CharField(_("transition"), max_length=40)

    class Meta(StateLog.Meta):
        verbose_name = _("transition log entry")
        verbose_name_plural = _("transition log")

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.from_state or '∅'} → {self.to_state} ({self.transition})"


class MediationSession(models.Model):
    """One meeting of the parties with the mediator(s)."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("dispute")
    )
    scheduled_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    mediators = models.ManyToManyField(
        Mediator, related_name="sessions", blank=True, verbose_name=_("mediators")
    )
    attendees = models.ManyToManyField(
        "parties.CaseParty", related_name="sessions", blank=True, verbose_name=_("attendees")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    kind = models.CharField(
        _("kind of session"), max_length=10, choices=SessionKind.choices, default=SessionKind.JOINT
    )
    # Read only through `mediation.cases.minutes`: who may read them depends on the kind and on who
    # attended.
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Who recorded it held or cancelled, with its minutes: the minutes' recorder (记录人).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["scheduled_at", "id"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.dispute_id} @ {self.scheduled_at:%Y-%m-%d %H:%M}"
