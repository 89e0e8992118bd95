"""The first sheet of an XLSX workbook, read as a stream within limits.

An XLSX file is a ZIP archive of XML parts, and both layers compress very well: a few hundred
kilobytes can unpack to gigabytes, and one XML text node can hold a string of any length. A
general reader (openpyxl) builds whatever the file describes — one 400 MB string, every shared
string, a row padded to the last column a cell names — before the caller sees a single value.
This reader never holds more than the limits allow:

- each part is decompressed in small chunks and the bytes that actually come out are counted
  (the sizes the archive declares are checked first, but never trusted alone);
- only the stored and deflate methods are accepted (XLSX uses nothing else; bzip2 and LZMA
  would unpack a whole block at once);
- the XML is fed to expat chunk by chunk and refused when a single token (a text, a tag and its
  attributes, a comment) grows past what one cell may hold, when elements nest too deep, or when
  it declares a DOCTYPE (the only way to entity expansion);
- cells (with the empty ones a row is padded with), shared strings (their number and their
  characters) and the characters of any one text are counted as they are read.

Values come out as openpyxl gives them with `data_only=True`: texts, ints or floats, booleans,
and datetimes for numbers whose style is a date format (also the East Asian built-in ones,
年月日, which openpyxl leaves as numbers).
"""

from __future__ import annotations

import datetime
import io
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

CHUNK = 64 * 1024
# A workbook has a dozen parts; a central directory of millions would cost memory to list.
MAX_MEMBERS = 10_000
MAX_DEPTH = 64  # a worksheet nests about ten deep, extensions included
MAX_COLUMN = 16_384  # XFD, Excel's last column
MAX_ROW = 1_048_576
# ECMA-376 §18.8.30: built-in formats 27–36 and 50–58 are East Asian dates and times.
ASIAN_DATE_FORMATS = frozenset(range(27, 37)) | frozenset(range(50, 59))
SIGNATURE_CENTRAL_DIRECTORY = b"PK\x01\x02"


@dataclass(frozen=True)
class Limits:
    uncompressed_bytes: int
    cells: int
    shared_strings: int
    shared_strings_chars: int
    cell_chars: int


class XlsxError(Exception):
    """The workbook cannot be read, or not within the limits; the message says which."""


class _Unreadable(Exception):
    """The archive or one of its parts is not what an XLSX holds (turned into an XlsxError)."""


def unreadable() -> XlsxError:
    return XlsxError(_("This file is a ZIP archive but not a readable XLSX workbook."))


# --- the archive ---------------------------------------------------------------------------------


class _Archive:
    """The parts of the ZIP archive, each read in chunks against one budget of unpacked bytes."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        # Each entry of the central directory starts with its signature, so this counts at least
        # as many entries as zipfile would list (in C, before zipfile builds one object each).
        if data.count(SIGNATURE_CENTRAL_DIRECTORY) > MAX_MEMBERS:
            raise unreadable()
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise unreadable() from exc
        self.limits = limits
        self.unpacked = 0

    def info(self, name: str) -> zipfile.ZipInfo | None:
        try:
            return self.zip.getinfo(name)
        except KeyError:
            return None

    def check_declared(self, names: list[str]) -> None:
        """Refuse at once what the archive itself says is too large."""
        declared = sum(info.file_size for name in names if (info := self.info(name)) is not None)
        if declared > self.limits.uncompressed_bytes:
            raise self.too_large()

    def too_large(self) -> XlsxError:
        return XlsxError(
            _(
                "This XLSX workbook unpacks to more than %(limit)s MB. Split the ledger in "
                "parts, or save it as CSV."
            )
            % {"limit": f"{self.limits.uncompressed_bytes / 1_000_000:.0f}"}
        )

    def chunks(self, name: str) -> Iterator[bytes]:
        info = self.info(name)
        if info is None:
            raise _Unreadable(name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Unreadable(name)
        if info.flag_bits & 0x1:  # encrypted
            raise _Unreadable(name)
        try:
            with self.zip.open(info) as member:
                while chunk := member.read(CHUNK):
                    self.unpacked += len(chunk)
                    if self.unpacked > self.limits.uncompressed_bytes:
                        raise self.too_large()
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            # zipfile cuts a member at its declared size and then finds the CRC wrong.
            raise _Unreadable(name) from exc

    def close(self) -> None:
        self.zip.close()


# --- XML, as a stream of events ------------------------------------------------------------------


class _Part:
    """What to do with the XML of one part. Elements are named by their local name (the same in
    transitional and strict OOXML); attributes keep expat's names, `uri name` when namespaced."""

    def __init__(self) -> None:
        self.depth = 0
        self.names: dict[str, str] = {}

    def local(self, name: str) -> str:
        short = self.names.get(name)
        if short is None:
            short = self.names[name] = name.rpartition(" ")[2]
        return short

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Unreadable("depth")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.enter()
        self.open(self.local(name), attributes)

    def end(self, name: str) -> None:
        self.depth -= 1
        self.close(self.local(name))

    def open(self, tag: str, attributes: dict[str, str]) -> None:
        pass

    def close(self, tag: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass

    def feed(self, chunks: Iterator[bytes], token_bytes: int) -> Iterator[None]:
        """Parse chunk by chunk, yielding after each so the caller can take what it produced."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = CHUNK
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_doctype
        fed = 0
        try:
            for chunk in chunks:
                parser.Parse(chunk, False)
                fed += len(chunk)
                # What expat has not reported yet is one unfinished token (a tag with its
                # attributes, a comment…), which it holds whole: that may not grow unbounded.
                if fed - parser.CurrentByteIndex > token_bytes:
                    raise _Unreadable("token")
                yield
            parser.Parse(b"", True)
            yield
        except expat.ExpatError as exc:
            raise _Unreadable(str(exc)) from exc

    def read(self, archive: _Archive, name: str, token_bytes: int) -> None:
        for _step in self.feed(archive.chunks(name), token_bytes):
            pass


def _refuse_doctype(*args: Any) -> None:
    raise _Unreadable("doctype")


class _Text:
    """The pieces of one text as expat hands them over, refused past `limit` characters."""

    def __init__(self, limit: int, too_long: Callable[[], XlsxError]) -> None:
        self.limit, self.too_long = limit, too_long
        self.pieces: list[str] = []
        self.size = 0

    def add(self, data: str) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise self.too_long()
        self.pieces.append(data)

    def take(self) -> str:
        text = "".join(self.pieces)
        self.pieces.clear()
        self.size = 0
        return text


# --- the parts -----------------------------------------------------------------------------------


class _Relationships(_Part):
    """{id: (type, part name)} of a part's relationships (`folder/_rels/name.rels`)."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.folder, name = posixpath.split(source)
        self.path = posixpath.join(self.folder, "_rels", name + ".rels")
        self.found: dict[str, tuple[str, str]] = {}

    def open(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "Relationship" and attributes.get("TargetMode") != "External":
            target = attributes.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.join(self.folder, target)
            self.found[attributes.get("Id", "")] = (
                attributes.get("Type", ""),
                posixpath.normpath(path).lstrip("/"),
            )

    def of_type(self, kind: str) -> str | None:
        for rel_type, path in self.found.values():
            if rel_type.endswith("/" + kind):
                return path
        return None


class _Workbook(_Part):
    """The relationship ids of the sheets in their order, and whether dates count from 1904."""

    def __init__(self) -> None:
        super().__init__()
        self.sheets: list[str] = []
        self.epoch_1904 = False

    def open(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "sheet":
            # r:id, in the relationships namespace (transitional or strict)
            ids = [value for key, value in attributes.items() if key.endswith(" id")]
            self.sheets.append(ids[0] if ids else "")
        elif tag == "workbookPr":
            self.epoch_1904 = attributes.get("date1904", "").lower() in ("1", "true")


class _Styles(_Part):
    """Which cell styles show a date, and which of those a duration."""

    def __init__(self) -> None:
        super().__init__()
        self.custom: dict[int, str] = {}
        self.formats: list[int] = []
        self.in_cell_formats = False

    def open(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "numFmt":
            number = attributes.get("numFmtId", "")
            if number.isdigit():
                self.custom[int(number)] = attributes.get("formatCode", "")
        elif tag == "cellXfs":
            self.in_cell_formats = True
        elif tag == "xf" and self.in_cell_formats:
            number = attributes.get("numFmtId", "0")
            self.formats.append(int(number) if number.isdigit() else 0)
            if len(self.formats) > 65_536:  # Excel's own limit of cell formats
                raise _Unreadable("styles")

    def close(self, tag: str) -> None:
        if tag == "cellXfs":
            self.in_cell_formats = False

    def dates(self) -> tuple[frozenset[int], frozenset[int]]:
        dates: set[int] = set()
        durations: set[int] = set()
        for index, number in enumerate(self.formats):
            code = self.custom.get(number, BUILTIN_FORMATS.get(number))
            if is_date_format(code) or (number in ASIAN_DATE_FORMATS and number not in self.custom):
                dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
        return frozenset(dates), frozenset(durations)


class _SharedStrings(_Part):
    """The workbook's table of texts, which cells of type `s` name by their index."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits
        self.strings: list[str] = []
        self.total = 0
        self.phonetic = False
        self.collecting = False
        self.current = _Text(limits.cell_chars, self.too_long)

    def too_long(self) -> XlsxError:
        return XlsxError(
            _("A text of this XLSX workbook is longer than %(limit)d characters.")
            % {"limit": self.limits.cell_chars}
        )

    def open(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "t" and not self.phonetic:
            self.collecting = True
        elif tag == "rPh":
            self.phonetic = True  # the reading of a name (furigana), not its text

    def close(self, tag: str) -> None:
        if tag == "t":
            self.collecting = False
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "si":
            text = self.current.take()
            self.total += len(text)
            if self.total > self.limits.shared_strings_chars:
                raise XlsxError(
                    _("The texts of this XLSX workbook add up to more than %(limit)d characters.")
                    % {"limit": self.limits.shared_strings_chars}
                )
            self.strings.append(text)
            if len(self.strings) > self.limits.shared_strings:
                raise XlsxError(
                    _("This XLSX workbook has more than %(limit)d different texts.")
                    % {"limit": self.limits.shared_strings}
                )

    def text(self, data: str) -> None:
        if self.collecting:
            self.current.add(data)


class _Sheet(_Part):
    """A worksheet's rows of values, as lists indexed by column. Its start and end handlers are
    written out (not `open`/`close`): they run for every cell of a 100,000-row ledger."""

    def __init__(
        self,
        limits: Limits,
        strings: list[str],
        dates: frozenset[int],
        durations: frozenset[int],
        epoch: datetime.datetime,
    ) -> None:
        super().__init__()
        self.limits = limits
        self.strings = strings
        self.dates, self.durations, self.epoch = dates, durations, epoch
        self.done: list[tuple[int, list[Any]]] = []
        self.cells = 0
        self.row_number = 0
        self.values: list[Any] = []
        self.column = 0
        self.kind = "n"
        self.style = 0
        self.collecting = False
        self.inline = False
        self.phonetic = False
        self.has_value = False
        self.current = _Text(limits.cell_chars, self.too_long)

    def too_long(self) -> XlsxError:
        return XlsxError(
            _("Line %(line)d of this XLSX workbook has a cell longer than %(limit)d characters.")
            % {"line": self.row_number, "limit": self.limits.cell_chars}
        )

    def count(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.limits.cells:
            raise XlsxError(
                _("This XLSX workbook has more than %(limit)d cells. Split it in parts.")
                % {"limit": self.limits.cells}
            )

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Unreadable("depth")
        tag = self.names.get(name) or self.local(name)
        if tag == "c":
            reference = attributes.get("r")
            if reference:
                try:
                    self.column = column_index_from_string(reference.rstrip("0123456789"))
                except ValueError:
                    raise _Unreadable("cell reference") from None
            else:
                self.column += 1
            if self.column > MAX_COLUMN:
                raise _Unreadable("cell reference")
            self.kind = attributes.get("t", "n")
            style = attributes.get("s")
            self.style = int(style) if style and style.isdigit() else 0
            self.has_value = False
            self.count(1)
        elif tag == "v":
            self.collecting = True
            self.has_value = True
        elif tag == "is":
            self.inline = True
            self.has_value = True
        elif tag == "t":
            self.collecting = self.inline and not self.phonetic
        elif tag == "rPh":
            self.phonetic = True
        elif tag == "row":
            number = attributes.get("r")
            if number:
                if not number.isdigit() or not 0 < int(number) <= MAX_ROW:
                    raise _Unreadable("row number")
                self.row_number = int(number)
            else:
                self.row_number += 1
            self.values = []
            self.column = 0

    def text(self, data: str) -> None:
        if self.collecting:
            self.current.add(data)

    def end(self, name: str) -> None:
        self.depth -= 1
        tag = self.names.get(name) or self.local(name)
        if tag == "c":
            value = self.value(self.current.take()) if self.has_value else None
            values = self.values
            missing = self.column - len(values)
            if missing > 0:
                # A row is a list up to its last cell: the padding costs like cells do.
                if missing > 1:
                    self.count(missing - 1)
                    values.extend([None] * (missing - 1))
                values.append(value)
            else:
                values[self.column - 1] = value
        elif tag == "v" or tag == "t":
            self.collecting = False
        elif tag == "is":
            self.inline = False
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "row":
            if self.values:
                self.done.append((self.row_number, self.values))
            self.values = []

    def value(self, text: str) -> Any:
        kind = self.kind
        try:
            if kind == "inlineStr" or kind == "str":
                return text
            if not text:
                return None
            if kind == "n":
                number: int | float = (
                    float(text) if "." in text or "e" in text or "E" in text else int(text)
                )
                if self.style in self.dates:
                    try:
                        return from_excel(
                            number, self.epoch, timedelta=self.style in self.durations
                        )
                    except (OverflowError, ValueError):
                        return "#VALUE!"  # as openpyxl: a date serial no calendar has
                return number
            if kind == "s":
                return self.strings[int(text)]
            if kind == "b":
                return bool(int(text))
            if kind == "d":
                return from_ISO8601(text)
            return text  # "e": the error Excel shows, #N/A and the like
        except (ValueError, IndexError):
            raise _Unreadable("cell value") from None


def read_rows(data: bytes, limits: Limits) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of every row of the first worksheet that has a cell."""
    archive = _Archive(data, limits)
    # Ten bytes a character covers a text written as character references (&#25910;).
    token_bytes = max(limits.cell_chars * 10, 1024 * 1024)
    try:
        package = _Relationships("")
        package.read(archive, package.path, token_bytes)
        workbook_path = package.of_type("officeDocument") or "xl/workbook.xml"
        workbook = _Workbook()
        workbook.read(archive, workbook_path, token_bytes)
        parts = _Relationships(workbook_path)
        if archive.info(parts.path) is not None:
            parts.read(archive, parts.path, token_bytes)
        worksheets = [
            parts.found[rid][1]
            for rid in workbook.sheets
            if rid in parts.found and parts.found[rid][0].endswith("/worksheet")
        ]
        if not worksheets:
            raise _Unreadable("no worksheet")
        sheet_path = worksheets[0]
        strings_path = parts.of_type("sharedStrings")
        styles_path = parts.of_type("styles")
        archive.check_declared([p for p in (sheet_path, strings_path, styles_path) if p])
        styles = _Styles()
        if styles_path is not None:
            styles.read(archive, styles_path, token_bytes)
        dates, durations = styles.dates()
        strings = _SharedStrings(limits)
        if strings_path is not None:
            strings.read(archive, strings_path, token_bytes)
        epoch = CALENDAR_MAC_1904 if workbook.epoch_1904 else CALENDAR_WINDOWS_1900
        sheet = _Sheet(limits, strings.strings, dates, durations, epoch)
        for _step in sheet.feed(archive.chunks(sheet_path), token_bytes):
            if sheet.done:
                yield from sheet.done
                sheet.done = []
    except _Unreadable as exc:
        raise unreadable() from exc
    finally:
        archive.close()
