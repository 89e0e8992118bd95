"""The blank ledger a centre fills in (调解台账模板): the Chinese headers the importer reads, in the
order of SPEC §8, as CSV or XLSX. The XLSX has a second sheet saying what goes in each column;
the importer reads the first sheet only, so the notes are never taken for cases.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from mediation.ledger.columns import CHINESE_OF_COLUMN, COLUMNS

FILE_NAME = "调解台账模板"


def headers() -> list[str]:
    return [CHINESE_OF_COLUMN[name] for name in COLUMNS]


def _notes() -> list[tuple[str, str, str]]:
    """(Chinese header, English header, what to write) for each column."""
    what = {
        "reference": _("The ledger's own case number; the key that makes a re-import skip it."),
        "category": _("交通事故, 金融, 医疗, 校园 or 婚姻家事 (or the code)."),
        "track": _("人民调解, 行政调解 or 司法调解; needed only for a body not yet in Fengqiao."),
        "body": _("The mediation body's full name (or its short name)."),
        "mediator": _("The mediator's name as in Fengqiao; may be empty."),
        "channel": _("来访, 电话/12348, 网上申请, 网格员上报, 交警移送, 机构申请, 信访转办, …"),
        "received": _("YYYY-MM-DD."),
        "accepted": _("YYYY-MM-DD; empty if not accepted."),
        "concluded": _("YYYY-MM-DD; empty while the case is open."),
        "outcome": _("调解成功, 调解不成, 已撤回, 不予受理 or 在办."),
        "claimed": _("Plain decimal, e.g. 12000.50."),
        "agreed": _("Only for 调解成功; 0 for no compensation."),
        "parties": _("role:name;role:name, e.g. 申请人:张伟;被申请人:李娜."),
    }
    return [(CHINESE_OF_COLUMN[name], name, str(what[name])) for name in COLUMNS]


def template_csv() -> bytes:
    """The header row in UTF-8 with a BOM, so Excel opens the Chinese as it is."""
    return ("\ufeff" + ",".join(headers()) + "\r\n").encode("utf-8")


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "调解台账"
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers()):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = 40 if header == "当事人" else 16
    notes = book.create_sheet("填写说明")
    notes.append([_("Column"), _("English header"), _("What to write")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for row in _notes():
        notes.append(list(row))
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 14
    notes.column_dimensions["C"].width = 70
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
