"""An uploaded ledger and its import's report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerImport(models.Model):
    """One ledger file (调解台账) taken in by `import_ledger` or the upload page (SPEC §8).

    The row is the import's report: it is committed before the rows are read and updated as the
    work goes on, so the upload page can show progress while a worker imports.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Nothing imported")

    class Phase(models.TextChoices):
        NONE = "", _("Not started")
        READING = "reading", _("Reading the file")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Writing cases")
        FINISHED = "finished", _("Finished")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    # Kept with the report, so what was imported can always be looked at again.
    file = models.FileField(_("file"), upload_to="ledger/%Y/%m/", blank=True)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    dry_run = models.BooleanField(_("check only"), default=False)
    all_or_nothing = models.BooleanField(_("all or nothing"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    skipped = models.PositiveIntegerField(_("already there"), default=0)
    rejected = models.PositiveIntegerField(_("rows with errors"), default=0)
    # A director imports their own body's rows; the others' are counted here, not as errors:
    # [["南昌市公安局交通管理局东湖大队", 93], …], most rows first.
    other_rows = models.PositiveIntegerField(_("rows of other bodies"), default=0)
    other_bodies = models.JSONField(_("other bodies"), default=list, blank=True)
    # Every error counted by column and reason: [{"column", "reason", "count", "lines"}, …].
    error_summary = models.JSONField(_("errors by reason"), default=list, blank=True)
    # [{"line": 12, "column": "accepted", "reason": "…"}, …], the first FENGQIAO_LEDGER_MAX_ERRORS.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    errors_total = models.PositiveIntegerField(_("errors in all"), default=0)
    # A reason that stops the whole file (not a CSV, too large, columns missing).
    message = models.TextField(_("message"), blank=True)
    created_bodies = models.JSONField(_("bodies created"), default=list, blank=True)
    created_mediators = models.JSONField(_("mediators created"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REJECTED)

    @property
    def other_bodies_text(self) -> str:
        """The other bodies and their rows on one line: 东湖交警大队 (120), …"""
        return ", ".join(f"{name} ({count})" for name, count in self.other_bodies)

    @property
    def rows_to_write(self) -> int:
        """The rows being written: those checked good, not already there, of the uploader's body."""
        return max(0, self.rows_total - self.other_rows - self.skipped - self.rejected)

    @property
    def percent(self) -> int:
        """How far the import has got, for the progress bar."""
        if self.finished:
            return 100
        if not self.rows_total:
            return 0
        # Checking is most of the work the page can watch; writing happens in one transaction.
        share = 90 * self.rows_done // self.rows_total
        return min(95, share + (5 if self.phase == self.Phase.WRITING else 0))
