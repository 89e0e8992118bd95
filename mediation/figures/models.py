"""Figures kept per slice and month as cases change (mediation.figures.kept): the rates read
them instead of counting every dispute."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

# --- figures kept per slice, so the rates answer quickly at a million cases ---------------------


def _slice_foreign_key(model: Any, *, null: bool) -> Any:
    # Kept by `mediation.figures.kept` from the disputes, which protect what they point at: no
    # constraint or cascade of its own, so a rebuild never has to mind the order of deletes.
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=null,
        related_name="+",
    )


class FigureSliceBase(models.Model):
    """The finest slice a rate can be asked for: one month of receipt and one of every group.

    `key` spells the slice out (`mediation.figures.kept.slice_key`), unique, so that adding cases
    to a slice is one upsert on every database.
    """

    key = models.CharField(max_length=160)
    month = models.DateField()
    category = models.CharField(max_length=20)
    track = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=20)
    body = _slice_foreign_key("mediation.MediationBody", null=False)
    mediator = _slice_foreign_key("mediation.Mediator", null=True)
    court = _slice_foreign_key("courts.Court", null=True)

    class Meta:
        abstract = True


class FigureSlice(FigureSliceBase):
    """The counted figures (SPEC §6) of the disputes in one slice, kept by `mediation.figures.kept`.

    Overdue is not here: it changes with the calendar, not with the cases, and is counted live
    from the open cases.
    """

    # Every dispute of the slice, whatever its state: the queue's "all" tab counts a body's whole
    # history from here instead of from the disputes.
    cases = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    success = models.PositiveIntegerField(default=0)
    failure = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    repudiated = models.PositiveIntegerField(default=0)
    zero_compensation = models.PositiveIntegerField(default=0)
    claimed_total = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("0"))
    agreed_total = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("0"))
    agreed_max = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    agreed_min = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="figureslice_key")]
        indexes = [models.Index(fields=["body", "month"], name="figureslice_body_month")]

    def __str__(self) -> str:
        return self.key


class FigureDays(FigureSliceBase):
    """How many cases of a slice took `days` from acceptance to conclusion: the durations'
    distribution, from which the median and 90th percentile of any grouping are exact."""

    days = models.IntegerField()
    cases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "days"], name="figuredays_key_days")]
        indexes = [models.Index(fields=["body", "month"], name="figuredays_body_month")]

    def __str__(self) -> str:
        return f"{self.key}: {self.cases} × {self.days} d"
