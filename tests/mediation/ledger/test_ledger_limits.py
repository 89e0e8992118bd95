"""XLSX ledgers are read as a stream within limits: decompression bombs are refused quickly, in
bounded memory, with a clear reason, and nothing is imported.

The bombs are real files built here: a tiny archive unpacking to a 400 MB string, shared strings
by the million, millions of cells, a ZIP whose header lies about its sizes. Memory is measured with
tracemalloc around the whole import (reading the file included)."""

from __future__ import annotations

import datetime
import io
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from mediation.cases.models import Dispute
from mediation.ledger.columns import CHINESE_HEADERS, COLUMNS
from mediation.ledger.importer import import_ledger
from mediation.ledger.models import LedgerImport
from tests.conftest import World
from tests.mediation.ledger.test_ledger import BODY, GOOD
from tests.mediation.ledger.test_ledger_pages import signed_in

pytestmark = pytest.mark.django_db

MB = 1_000_000
# Far below any bomb here, far above what a refusal needs (the ~400 KB file itself is read whole).
MEMORY_BOUND = 16 * MB
SECONDS_BOUND = 15  # generous: the machine is shared; the refusals take well under a second


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- building workbooks by hand, part by part ---------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1"
 Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>""".encode()
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><workbookPr/>
<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>""".encode()
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="{RELS}/styles" Target="/xl/styles.xml"/>
</Relationships>""".encode()
# Cell style 1 shows a date as Excel's mm-dd-yy (14), style 2 as Chinese Excel's 年月日 (31).
STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{MAIN}"><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="31"/></cellXfs>
</styleSheet>""".encode()

Parts = Iterable[bytes]


def workbook(
    sheet: Parts,
    shared_strings: Parts = (),
    *,
    prolog: bytes = b"",
    compress_type: int = zipfile.ZIP_DEFLATED,
    workbook_part: Parts = (WORKBOOK,),
) -> bytes:
    """An XLSX archive; the sheet and shared strings are written chunk by chunk (level 9)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        for name, chunks in (
            ("xl/workbook.xml", workbook_part),
            (
                "xl/sharedStrings.xml",
                [f'<sst xmlns="{MAIN}">'.encode(), *shared_strings, b"</sst>"],
            ),
            ("xl/worksheets/sheet1.xml", [prolog, f'<worksheet xmlns="{MAIN}">'.encode(), *sheet]),
        ):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            sheet_part = name.endswith("sheet1.xml")
            info.compress_type = compress_type if sheet_part else zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
                if sheet_part:
                    member.write(b"</worksheet>")
    return buffer.getvalue()


def inline(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c t="inlineStr"><is><t>{escaped}</t></is></c>'


def row(number: int, cells: str) -> bytes:
    return f'<row r="{number}">{cells}</row>'.encode()


HEADER = row(1, "".join(inline(name) for name in CHINESE_HEADERS))
GOOD_ROW = row(2, "".join(inline(GOOD[name]) for name in COLUMNS))


def sheet_data(*rows: bytes) -> list[bytes]:
    return [b"<sheetData>", HEADER, *rows, b"</sheetData>"]


def repeated(block: bytes, total: int) -> Iterator[bytes]:
    for _ in range(total // len(block)):
        yield block


def measured(call: Callable[[], Any]) -> tuple[Any, int, float]:
    """(what `call` answered, peak bytes it allocated, seconds it took)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        answer = call()
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return answer, peak, seconds


def refused(path: Path, message: str, memory: int = MEMORY_BOUND) -> None:
    report, peak, seconds = measured(lambda: import_ledger(path))
    assert peak < memory, f"{peak / MB:.1f} MB allocated"
    assert seconds < SECONDS_BOUND
    assert report.status == LedgerImport.Status.REJECTED, report.errors
    assert message in report.message
    assert not Dispute.objects.exists()


# --- the bombs -----------------------------------------------------------------------------------


def string_bomb(size: int) -> bytes:
    """A workbook whose second row's first cell is an inline string of `size` bytes of "A"."""
    cells = "".join(inline(GOOD[name]) for name in COLUMNS[1:])
    return workbook(
        [
            b"<sheetData>",
            HEADER,
            b'<row r="2"><c t="inlineStr"><is><t>',
            *repeated(b"A" * (1 << 20), size),
            b"</t></is></c>" + cells.encode() + b"</row></sheetData>",
        ]
    )


@pytest.fixture(scope="module")
def bomb_400(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The finding's file: a ~400 KB XLSX whose one cell unpacks to a 400 MB inline string."""
    path = tmp_path_factory.mktemp("bombs") / "string-bomb.xlsx"
    path.write_bytes(string_bomb(400 * (1 << 20)))
    return path


TOO_LARGE = "This XLSX workbook unpacks to more than 256 MB. Split the ledger in parts"


def test_the_bomb_is_a_small_file(bomb_400: Path) -> None:
    assert bomb_400.stat().st_size < 1 * MB
    with zipfile.ZipFile(bomb_400) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 400 * MB


def test_a_400_mb_inline_string_is_refused_quickly_in_bounded_memory(bomb_400: Path) -> None:
    # Before: openpyxl built the whole string (the server grew by 800 MB, and here tracemalloc
    # counted the 400 MB); the row was then rejected as a bad reference, the file was not.
    refused(bomb_400, TOO_LARGE)


def test_a_200_mb_inline_string_within_the_unpacked_limit_is_refused_at_the_cell_limit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "string-bomb-200.xlsx"
    path.write_bytes(string_bomb(200 * (1 << 20)))
    refused(path, "Line 2 of this XLSX workbook has a cell longer than 32767 characters.")


def test_the_upload_page_refuses_the_bomb_with_a_form_error(world: World, bomb_400: Path) -> None:
    client = signed_in(world.director)
    upload = SimpleUploadedFile("台账.xlsx", bomb_400.read_bytes())
    response, peak, seconds = measured(
        lambda: client.post(reverse("workbench:ledger_upload"), {"file": upload, "mode": "all"})
    )
    assert response.status_code == 400
    assert TOO_LARGE in response.content.decode()
    assert peak < MEMORY_BOUND, f"{peak / MB:.1f} MB allocated"
    assert seconds < SECONDS_BOUND
    # Refused on the page: no import recorded, no file stored, nothing imported.
    assert not LedgerImport.objects.exists()
    assert not Dispute.objects.exists()


def test_the_command_refuses_the_bomb(bomb_400: Path) -> None:
    with pytest.raises(CommandError, match=TOO_LARGE):
        call_command("import_ledger", str(bomb_400))
    assert LedgerImport.objects.get().status == LedgerImport.Status.REJECTED
    assert not Dispute.objects.exists()


def shared_string(text: str) -> bytes:
    return f"<si><t>{text}</t></si>".encode()


def test_a_million_shared_strings_are_refused_past_the_limit(settings: Any, tmp_path: Path) -> None:
    settings.FENGQIAO_LEDGER_XLSX_MAX_SHARED_STRINGS = 10_000
    block = b"".join(shared_string(f"x{n}") for n in range(1000))
    path = tmp_path / "strings.xlsx"
    path.write_bytes(workbook(sheet_data(GOOD_ROW), repeated(block, 1000 * len(block))))
    # Before: openpyxl read every one of them into a list; the file was imported.
    refused(path, "This XLSX workbook has more than 10000 different texts.")


def test_shared_strings_adding_up_past_the_limit_are_refused(settings: Any, tmp_path: Path) -> None:
    settings.FENGQIAO_LEDGER_XLSX_MAX_SHARED_STRINGS_CHARS = 1_000_000
    block = shared_string("字" * 30_000)
    path = tmp_path / "long-strings.xlsx"
    path.write_bytes(workbook(sheet_data(GOOD_ROW), repeated(block, 1_000 * len(block))))
    refused(path, "The texts of this XLSX workbook add up to more than 1000000 characters.")


def test_one_shared_string_of_200_mb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one-string.xlsx"
    strings = [b"<si><t>", *repeated(b"B" * (1 << 20), 200 * (1 << 20)), b"</t></si>"]
    path.write_bytes(workbook(sheet_data(GOOD_ROW), strings))
    refused(path, "A text of this XLSX workbook is longer than 32767 characters.")


def test_millions_of_cells_are_refused_past_the_limit(settings: Any, tmp_path: Path) -> None:
    settings.FENGQIAO_LEDGER_XLSX_MAX_CELLS = 50_000
    block = b"".join(row(n, "<c/>" * 100) for n in range(3, 1003))
    path = tmp_path / "cells.xlsx"
    path.write_bytes(workbook(sheet_data(GOOD_ROW, *repeated(block, 40 * len(block)))))
    # Before: openpyxl read all 4 million cells; the empty rows were skipped and one case imported.
    refused(path, "This XLSX workbook has more than 50000 cells.")


def test_cells_far_to_the_right_count_as_the_row_they_make(tmp_path: Path) -> None:
    # One cell per row in the last column, XFD: each row is a list of 16,384 values, so 2,000
    # rows are 33 million cells (260 MB of list), far past the default limit. What is held until
    # the refusal is bounded by that limit: 5 million slots of 8 bytes.
    block = b"".join(row(n, '<c r="XFD1"><v>1</v></c>') for n in range(3, 2003))
    path = tmp_path / "wide.xlsx"
    path.write_bytes(workbook(sheet_data(GOOD_ROW, block)))
    refused(path, "This XLSX workbook has more than 5000000 cells.", memory=48 * MB)


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s uncompressed size replaced by `size` in the central directory
    and in its local header (in the 32-bit field, or in the ZIP64 extra field it points to)."""
    patched = bytearray(data)
    encoded = name.encode()
    # (signature, offset of the uncompressed size, of the name's length, of the name)
    for signature, size_at, lengths_at, name_at in (
        (b"PK\x01\x02", 24, 28, 46),
        (b"PK\x03\x04", 22, 26, 30),
    ):
        at = patched.find(signature)
        while at != -1:
            name_length, extra_length = struct.unpack_from("<HH", patched, at + lengths_at)
            if bytes(patched[at + name_at : at + name_at + name_length]) == encoded:
                if struct.unpack_from("<I", patched, at + size_at)[0] != 0xFFFFFFFF:
                    struct.pack_into("<I", patched, at + size_at, size)
                extra = at + name_at + name_length
                end = extra + extra_length
                while extra < end:
                    header, length = struct.unpack_from("<HH", patched, extra)
                    if header == 0x0001:  # ZIP64: the uncompressed size comes first
                        struct.pack_into("<Q", patched, extra + 4, size)
                    extra += 4 + length
            at = patched.find(signature, at + 4)
    return bytes(patched)


def test_a_zip_whose_header_lies_about_its_sizes_is_refused(tmp_path: Path, bomb_400: Path) -> None:
    data = lie_about_size(bomb_400.read_bytes(), "xl/worksheets/sheet1.xml", 2_000)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 2_000
    path = tmp_path / "liar.xlsx"
    path.write_bytes(data)
    refused(path, "not a readable XLSX workbook")


def test_every_part_counts_as_it_is_unpacked(settings: Any, tmp_path: Path) -> None:
    settings.FENGQIAO_LEDGER_XLSX_MAX_UNPACKED_BYTES = 5 * MB
    # The workbook part (not the sheet) padded with 50 MB of whitespace: nothing a reader keeps,
    # all of it unpacked, and counted as it comes out.
    path = tmp_path / "padded.xlsx"
    path.write_bytes(
        workbook(
            sheet_data(GOOD_ROW),
            workbook_part=[WORKBOOK[:-11], *repeated(b" " * MB, 50 * MB), WORKBOOK[-11:]],
        )
    )
    refused(path, "This XLSX workbook unpacks to more than 5 MB.")


def test_declared_sizes_past_the_limit_are_refused_before_unpacking(
    settings: Any, bomb_400: Path
) -> None:
    settings.FENGQIAO_LEDGER_XLSX_MAX_UNPACKED_BYTES = 100 * MB
    refused(bomb_400, "This XLSX workbook unpacks to more than 100 MB.")


@pytest.mark.parametrize(
    ("prolog", "sheet", "compress_type"),
    [
        # an entity expansion (billion laughs) needs a DOCTYPE: none is accepted
        (
            b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>',
            sheet_data(GOOD_ROW),
            zipfile.ZIP_DEFLATED,
        ),
        # bzip2 unpacks a whole block in one call; XLSX never uses it
        (b"", sheet_data(GOOD_ROW), zipfile.ZIP_BZIP2),
        # a tag whose attributes go on and on: expat would hold it whole
        (
            b"",
            [b'<sheetData><row r="1" x="', *repeated(b"y" * 65536, 20 * MB)],
            zipfile.ZIP_DEFLATED,
        ),
        # nesting without end
        (b"", [b"<sheetData>", *repeated(b"<a>" * 10_000, 300_000)], zipfile.ZIP_DEFLATED),
    ],
    ids=["doctype", "bzip2", "endless-tag", "deep"],
)
def test_xml_and_archive_tricks_are_refused(
    tmp_path: Path, prolog: bytes, sheet: list[bytes], compress_type: int
) -> None:
    path = tmp_path / "trick.xlsx"
    path.write_bytes(workbook(sheet, prolog=prolog, compress_type=compress_type))
    refused(path, "not a readable XLSX workbook")


# --- a real ledger still goes in -------------------------------------------------------------


def test_an_excel_workbook_with_shared_strings_rich_text_and_chinese_dates_imports(
    tmp_path: Path,
) -> None:
    """As Excel saves it: texts in the shared table (one in rich text runs, with a phonetic
    reading that is not part of the text), dates as serial numbers styled as dates."""
    texts = [*CHINESE_HEADERS, "XL-9", "traffic", "people", BODY, "王芳", "police", "success"]
    strings = [shared_string(text) for text in texts]
    strings.append(
        b"<si><r><t>applicant:</t></r><r><rPr><b/></rPr><t>\xe5\xbc\xa0\xe4\xbc\x9f"
        b';respondent:\xe6\x9d\x8e\xe5\xa8\x9c</t></r><rPh sb="0" eb="1"><t>ZHANG</t></rPh></si>'
    )
    index = {text: n for n, text in enumerate(texts)}

    def shared(text: str) -> str:
        return f'<c t="s"><v>{index[text]}</v></c>'

    received = (datetime.date(2024, 3, 2) - datetime.date(1899, 12, 30)).days
    cells = "".join(
        [
            *(shared(text) for text in ("XL-9", "traffic", "people", BODY, "王芳", "police")),
            f'<c s="1"><v>{received}</v></c>',  # mm-dd-yy
            f'<c s="2"><v>{received + 1}</v></c>',  # yyyy"年"m"月"d"日", Chinese Excel's own
            f'<c s="2"><v>{received + 20}</v></c>',
            shared("success"),
            "<c><v>86000</v></c>",
            "<c><v>50000.5</v></c>",
            f'<c t="s"><v>{len(texts)}</v></c>',
        ]
    )
    header = row(1, "".join(shared(name) for name in CHINESE_HEADERS))
    path = tmp_path / "excel.xlsx"
    path.write_bytes(workbook([b"<sheetData>", header, row(2, cells), b"</sheetData>"], strings))

    report = import_ledger(path)

    assert (report.status, report.imported, report.errors) == ("done", 1, [])
    case = Dispute.objects.get(reference="XL-9")
    assert (case.received_at, case.accepted_at, case.concluded_at) == (
        datetime.date(2024, 3, 2),
        datetime.date(2024, 3, 3),
        datetime.date(2024, 3, 22),
    )
    assert str(case.agreed_amount) == "50000.50"
    names = case.case_parties.order_by("pk").values_list("party__name", flat=True)
    assert list(names) == ["张伟", "李娜"]
