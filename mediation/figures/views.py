"""The dashboard: rates and figures per slice with charts, the cases behind every
number, and every table as CSV or XLSX.

Thin: parse the request, call `mediation.figures.dashboard`, render or export. Who may read figures
is `stats.disputes_counted_for`'s rule, as in the rates API: analysts and superusers every body, a
body's staff their body, everyone else 403 (the page exists for them; they may not use it).
Anonymous visitors are sent to the login page.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from config.db_routers import replica_reads
from mediation.cases import selectors
from mediation.figures import dashboard, slices, stats
from mediation.kernel.roles import scope_of

PAGE_SIZE = 50
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CHUNK = 2000  # rows fetched at a time while an export streams


class RangeForm(forms.Form):
    """`from` and `to`: inclusive bounds on the received date, as the rates API takes them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so the fields cannot be declared as class attributes.
        for name, label in (("from", _("Received from")), ("to", _("Received until"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("from", gettext("The start date must not be after the end date."))
        return data

    def range(self) -> slices.Slice:
        return slices.Slice(
            date_from=self.cleaned_data.get("from"), date_to=self.cleaned_data.get("to")
        )


def _check_may_read(user: Any) -> None:
    """Forbidden (403) for users who may not read figures (courts, parties, users without a
    role), answered by `mediation.kernel.pages`."""
    stats.disputes_counted_for(user)


def _scope_label(user: Any) -> str:
    if dashboard.reads_all_bodies(user):
        return gettext("All mediation bodies")
    return selectors.body_name(scope_of(user).body_id)


# --- the page ------------------------------------------------------------------------------------


@login_required
@require_safe
@replica_reads
def page(request: HttpRequest) -> HttpResponse:
    """The dashboard; `?table=<name>&format=csv|xlsx` exports one of its tables."""
    _check_may_read(request.user)
    today = timezone.localdate()
    form = RangeForm(request.GET)
    tables = [spec.name for spec in dashboard.tables_for(request.user)]
    fmt = request.GET.get("format", "")
    name = request.GET.get("table", "")
    errors = _export_errors(fmt, name, [*tables, "overdue"])
    context: dict[str, Any] = {
        "form": form,
        "errors": errors,
        "scope_label": _scope_label(request.user),
        "today": today,
        "cases_url": reverse("dashboard:cases"),
    }
    if not form.is_valid() or errors:
        return render(request, "mediation/dashboard.html", context, status=400)
    range_ = form.range()
    if fmt and name == "overdue":
        rows = dashboard.cases(request.user, "overdue", range_, today=today, sort="deadline")
        return _cases_export(rows, fmt, _filename("overdue", range_, fmt), today=today)
    if fmt:
        table = dashboard.table(request.user, name, range_, today=today)
        return _export(
            _table_columns(table),
            _table_rows(table),
            fmt,
            _filename(name, range_, fmt),
            str(table.spec.caption),
        )
    board = dashboard.dashboard(request.user, range_, today=today)
    context.update(
        {
            "board": board,
            "overdue": _listed(request.user, board.overdue),
            "charts": _charts(board, context["cases_url"]),
            # The overdue count links to every overdue case, the most overdue first.
            "overdue_query": dashboard.drilldown_query(
                dataclasses.replace(dashboard.COLUMNS["overdue"], sort="deadline"), range_
            ),
        }
    )
    return render(request, "mediation/dashboard.html", context)


def _export_errors(fmt: str, name: str, tables: list[str]) -> list[str]:
    errors = []
    if fmt and fmt not in FORMATS:
        errors.append(
            gettext("Unknown export format “%(format)s”: use csv or xlsx.") % {"format": fmt[:20]}
        )
    if fmt and name not in tables:
        errors.append(
            gettext("Unknown table “%(table)s”: use one of %(tables)s.")
            % {"table": name[:30], "tables": ", ".join(tables)}
        )
    return errors


def _charts(board: dashboard.Dashboard, cases_url: str) -> dict[str, Any]:
    """What static/js/dashboard.js draws: rates in percent per slice, and where each point leads."""
    keys = ("success_rate", "completion_rate")
    charts: dict[str, Any] = {}
    for table in board.tables:
        if table.name not in ("category", "track", "month"):
            continue
        by_label = {row.labels[0]: row for row in table.rows}
        labels = dashboard.month_series(list(by_label)) if table.name == "month" else list(by_label)
        data: dict[str, list[float | None]] = {key: [] for key in keys}
        links: dict[str, list[str | None]] = {key: [] for key in keys}
        for label in labels:
            cells = (
                {cell.column.key: cell for cell in by_label[label].cells}
                if label in by_label
                else {}
            )
            for key in keys:
                cell = cells.get(key)
                value = cell.percent if cell is not None else None
                data[key].append(float(value) if value is not None else None)
                links[key].append(f"{cases_url}?{cell.query}" if cell and cell.query else None)
        charts[table.name] = {"labels": labels, "data": data, "links": links}
    return {
        "series": {key: str(dashboard.COLUMNS[key].label) for key in keys},
        "charts": charts,
    }


# --- the drill-down ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedCase:
    case: dashboard.CaseRow
    url: str  # the workbench's case page, for the body's staff and superusers; "" otherwise


def _listed(user: Any, rows: list[dashboard.CaseRow]) -> list[ListedCase]:
    """Cases with a link to the workbench's case page where the user may open it."""
    scope = scope_of(user)
    return [
        ListedCase(
            case,
            reverse("workbench:case", args=[case.id])
            if scope.is_superuser or scope.is_staff_of(case.body_id)
            else "",
        )
        for case in rows
    ]


@login_required
@require_safe
@replica_reads
def cases(request: HttpRequest) -> HttpResponse:
    """The cases behind one number: `?figure=success&category=traffic&from=…&to=…`."""
    _check_may_read(request.user)
    today = timezone.localdate()
    form = RangeForm(request.GET)
    figure = request.GET.get("figure") or "all"
    sort = request.GET.get("sort") or ("deadline" if figure == "overdue" else "-received")
    fmt = request.GET.get("format", "")
    errors: list[str] = []
    if figure not in dashboard.FIGURES:
        errors.append(
            gettext("Unknown figure “%(figure)s”: use one of %(figures)s.")
            % {"figure": figure[:30], "figures": ", ".join(dashboard.FIGURES)}
        )
    if sort not in dashboard.SORTS:
        errors.append(gettext("Unknown order “%(sort)s”.") % {"sort": sort[:30]})
    errors += _export_errors(fmt, "cases", ["cases"])
    slice_ = None
    if form.is_valid():
        try:
            slice_ = slices.parse_slice(
                request.user,
                request.GET,
                date_from=form.cleaned_data.get("from"),
                date_to=form.cleaned_data.get("to"),
            )
        except ValidationError as exc:
            errors += [message for messages in exc.message_dict.values() for message in messages]
    context: dict[str, Any] = {
        "form": form,
        "errors": errors,
        "figure_label": dashboard.FIGURE_LABELS.get(figure, ""),
        "dashboard_query": urlencode(
            {key: request.GET[key] for key in ("from", "to") if request.GET.get(key)}
        ),
    }
    if slice_ is None or errors:
        return render(request, "mediation/dashboard_cases.html", context, status=400)
    rows = dashboard.cases(request.user, figure, slice_, today=today, sort=sort)
    if fmt:
        return _cases_export(rows, fmt, _filename(f"cases-{figure}", slice_, fmt), today=today)
    page_ = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = _listed(
        request.user, [dashboard.case_row(row, today=today) for row in page_.object_list]
    )
    context.update(
        {
            "slice": slice_,
            "figure": figure,
            "page": page_,
            "cases": listed,
            "columns": [(key, label) for key, label, _kind in dashboard.CASE_COLUMNS],
        }
    )
    return render(request, "mediation/dashboard_cases.html", context)


# --- exports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportColumn:
    label: str  # in the user's language
    kind: str  # "text", "count", "rate", "amount", "days" or "date"


def _filename(name: str, range_: slices.Slice, fmt: str) -> str:
    parts = ["fengqiao", name]
    if range_.date_from:
        parts.append(f"from-{range_.date_from.isoformat()}")
    if range_.date_to:
        parts.append(f"to-{range_.date_to.isoformat()}")
    return re.sub(r"[^A-Za-z0-9._-]", "_", "-".join(parts)) + f".{fmt}"


def _table_columns(table: dashboard.Table) -> list[ExportColumn]:
    return [ExportColumn(label, "text") for label in table.group_labels] + [
        ExportColumn(str(column.label), column.kind) for column in table.columns
    ]


def _table_rows(table: dashboard.Table) -> Iterator[list[Any]]:
    for row in [*table.rows, table.total]:
        yield [*row.labels, *(cell.value for cell in row.cells)]


def _cases_export(rows: Any, fmt: str, filename: str, *, today: datetime.date) -> HttpResponse:
    columns = [ExportColumn(str(label), kind) for _key, label, kind in dashboard.CASE_COLUMNS]

    def values() -> Iterator[list[Any]]:
        for row in rows.iterator(chunk_size=CSV_CHUNK):
            case = dashboard.case_row(row, today=today)
            yield [getattr(case, key) for key, _label, _kind in dashboard.CASE_COLUMNS]

    return _export(columns, values(), fmt, filename, gettext("Cases"))


def _export(
    columns: list[ExportColumn], rows: Iterable[list[Any]], fmt: str, filename: str, title: str
) -> HttpResponse:
    if fmt == "csv":
        return _csv(columns, rows, filename)
    return _xlsx(columns, rows, filename, title)


# A cell a spreadsheet would take for a formula (CSV injection): =, +, -, @, and tab or carriage
# return, which some programs skip before looking for them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(text: str) -> str:
    """Text as a spreadsheet shows it, never as a formula: a leading quote where needed."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_value(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "rate":
        return str(dashboard.percent(value))
    if kind == "amount":
        return f"{Decimal(value):.2f}"
    if kind == "days":
        return f"{float(value):.1f}"
    if kind == "date":
        return value.isoformat()
    if kind == "count":
        return str(int(value))
    return guard(str(value))


class _Echo:
    """A file that hands back what is written, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv(columns: list[ExportColumn], rows: Iterable[list[Any]], filename: str) -> HttpResponse:
    """UTF-8 with a byte order mark, so Excel reads Chinese; rates in percent; streamed."""
    writer = csv.writer(_Echo())
    headers = [
        guard(f"{column.label} (%)" if column.kind == "rate" else column.label)
        for column in columns
    ]

    def lines() -> Iterator[bytes]:
        yield ("\ufeff" + writer.writerow(headers)).encode("utf-8")
        for row in rows:
            cells = [_csv_value(c.kind, v) for c, v in zip(columns, row, strict=True)]
            yield writer.writerow(cells).encode("utf-8")

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


NUMBER_FORMATS = {"rate": "0.0%", "amount": "#,##0.00", "days": "0.0"}


def _xlsx_value(sheet: Any, kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in NUMBER_FORMATS:
        cell = WriteOnlyCell(sheet, value=float(value) if kind != "amount" else Decimal(value))
        cell.number_format = NUMBER_FORMATS[kind]
        return cell
    if kind in ("count", "date"):
        return value  # openpyxl gives dates a date format of their own
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith("="):
        # openpyxl would store it as a formula; as a string cell it is only text.
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"


def _xlsx(
    columns: list[ExportColumn], rows: Iterable[list[Any]], filename: str, title: str
) -> HttpResponse:
    """A write-only workbook (rows go to a temporary file as they come), sent as a file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", column.label))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_value(sheet, c.kind, v) for c, v in zip(columns, row, strict=True)])
    # FileResponse closes the file once it is sent, and the system deletes it then.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


app_name = "dashboard"
urlpatterns = [
    path("", page, name="page"),
    path("cases/", cases, name="cases"),
]
