"""The ledger upload page and each import's report (SPEC §8).

The upload is stored with a `LedgerImport` row, then imported by a Celery task after the commit
(in the request itself when no broker is configured). The report page polls the row with htmx
while a worker is at it, so a large file shows its progress.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from config.formtokens import one_submission
from mediation.kernel.exceptions import Forbidden
from mediation.kernel.roles import scope_of
from mediation.ledger import selectors, template
from mediation.ledger.columns import CHINESE_HEADERS, column_label
from mediation.ledger.importer import (
    LedgerFileError,
    check_xlsx,
    may_import,
    too_large,
)
from mediation.ledger.tasks import queue_import

# Errors per page of the report's detail; the summary above it counts them all.
ERRORS_PER_PAGE = 50

# What a CSV or XLSX starts with; anything with NUL bytes in its first block that is not a ZIP
# (XLSX) is refused at once. The importer checks the whole file again.
SNIFF_BYTES = 8192


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Ledger file"),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or XLSX, one row per dispute."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("If some rows have errors"),
        choices=[
            ("all", gettext_lazy("import nothing (all or nothing)")),
            ("rows", gettext_lazy("import the valid rows and report the others")),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file, import nothing"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.FENGQIAO_LEDGER_MAX_BYTES:
            raise forms.ValidationError(too_large(upload.size))
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."))
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        if not head.startswith(b"PK\x03\x04") and b"\x00" in head:
            raise forms.ValidationError(
                _("This is not a CSV or XLSX file: save the ledger as CSV (UTF-8) or XLSX.")
            )
        if head.startswith(b"PK\x03\x04"):
            # A workbook is read through once here, within the limits, so one that unpacks too
            # far is refused on this page (and never stored) rather than on its report.
            try:
                check_xlsx(upload.read())
            except LedgerFileError as exc:
                raise forms.ValidationError(str(exc)) from exc
            finally:
                upload.seek(0)
        return upload


def _check_may_import(user: Any) -> None:
    """Nothing for those who may import; 403 for other body staff; 404 for everyone else."""
    if may_import(user):
        return
    if not scope_of(user).is_body_staff:
        raise Http404
    raise Forbidden(_("Only a body's directors may import its ledger."))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@one_submission
def upload(request: HttpRequest) -> HttpResponse:
    _check_may_import(request.user)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = queue_import(
            form.cleaned_data["file"],
            actor=request.user,
            dry_run=form.cleaned_data["dry_run"],
            all_or_nothing=form.cleaned_data["mode"] == "all",
        )
        return redirect("workbench:ledger_import", pk=record.pk)
    context = {
        "form": form,
        "recent": selectors.recent_imports(request.user),
        "columns": [(chinese, name) for chinese, name in CHINESE_HEADERS.items()],
        "max_bytes": settings.FENGQIAO_LEDGER_MAX_BYTES,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "mediation/ledger_upload.html", context, status=status)


@login_required
@require_safe
def report(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.import_get(request.user, pk)
    page = Paginator(record.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    errors = [{**error, "column_label": column_label(error["column"])} for error in page]
    summary = [
        {**group, "column_label": column_label(group["column"])} for group in record.error_summary
    ]
    context = {"record": record, "errors": errors, "page": page, "summary": summary}
    if request.htmx:
        return render(request, "mediation/_ledger_progress.html", context)
    return render(request, "mediation/ledger_import.html", context)


@login_required
@require_safe
def template_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The blank ledger with the Chinese headers the importer reads (CSV or XLSX)."""
    _check_may_import(request.user)
    if fmt == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(template.template_xlsx(), content_type=content_type)
    elif fmt == "csv":
        response = HttpResponse(template.template_csv(), content_type="text/csv; charset=utf-8")
    else:
        raise Http404
    name = f"{template.FILE_NAME}.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"ledger-template.{fmt}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@login_required
@require_safe
def errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's row errors as CSV (UTF-8 with BOM, so Excel reads the Chinese)."""
    record = selectors.import_get(request.user, pk)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_("line"), _("column"), _("reason")])
    writer.writerows(
        [error["line"], column_label(error["column"]), error["reason"]] for error in record.errors
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-import-{record.pk}-errors.csv"'
    return response
