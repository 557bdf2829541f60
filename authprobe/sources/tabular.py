"""Delimited text tables (CSV, TSV, semicolon exports): header row, sniffed delimiter and encoding.

`Table` streams the rows of one file as `Row(line, cells)` with the line number where the row
starts (quoted cells may span lines), so every error and every record says file:line. It knows
nothing about SIS or directories: `SisCsv` maps its columns to Alma fields, and a directory export
reader (csvde, `Get-ADUser | Export-Csv`) can map them to attributes the same way.

Encoding: given, or detected: a BOM (UTF-8, UTF-16), else UTF-8 if the whole file decodes as
UTF-8, else cp1252 (what Excel on Windows writes). PowerShell's `#TYPE ...` first line is skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from authprobe import runtime
from authprobe.errors import InputError, UsageError, at_line
from authprobe.model import ReadStats

DELIMITERS = (",", "\t", ";", "|")
FALLBACK_ENCODING = "cp1252"
SKIP_SHORT_ROW = "row with fewer cells than the header"
SKIP_LONG_ROW = "row with more cells than the header"
WHAT = "CSV file"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: the line it starts on and its cells (as many as the header has)."""

    line: int
    cells: list[str]


def detect_encoding(path: Path) -> str:
    """`utf-8-sig` / `utf-16` when a BOM says so, `utf-8` when every byte decodes, else cp1252."""
    with runtime.open_input(path, WHAT) as stream:
        head = stream.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return FALLBACK_ENCODING
    return "utf-8"


def _first_bad_byte(path: Path, encoding: str) -> tuple[int | None, bytes]:
    """The line and value of the first byte that does not decode (re-read in binary)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    with runtime.open_input(path, WHAT) as stream:
        while chunk := stream.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                offset = max(0, exc.start - len(exc.object) + len(chunk))
                return lines + chunk.count(b"\n", 0, offset), chunk[offset : offset + 1]
            lines += chunk.count(b"\n")
    return None, b""


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most cells (comma on a tie)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


_DATA_CELL = re.compile(
    r"@|^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$"
    r"|^(?:true|false)$|^(?:cn|ou|uid|dc)=[^,]*,",
    re.IGNORECASE,
)


def data_in_header(header: tuple[str, ...]) -> str | None:
    """The first header cell that can only be data (an address, a GUID, True/False, a DN): the
    file has lost its header row. None for a plausible header."""
    return next((cell for cell in header if _DATA_CELL.search(cell.strip())), None)


def _check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise UsageError(
            "unknown-encoding",
            f"Unknown text encoding {encoding!r}.",
            hint="Use utf-8, utf-8-sig, cp1252, latin-1 or utf-16.",
        ) from exc


class _LineCounter:
    """Feeds lines to csv.reader and remembers how many physical lines were read."""

    __slots__ = ("lines", "source")

    def __init__(self, source: Iterator[str], start: int) -> None:
        self.source = source
        self.lines = start

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        line = next(self.source)
        self.lines += 1
        return line


class Table:
    """One delimited text file with a header row, read as a stream of `Row`s."""

    def __init__(
        self,
        path: Path,
        *,
        delimiter: str | None = None,
        encoding: str | None = None,
        stats: ReadStats | None = None,
    ) -> None:
        self.path = Path(path)
        runtime.check_file(self.path, WHAT)
        self.encoding = _check_encoding(encoding) if encoding else detect_encoding(self.path)
        self.stats = stats if stats is not None else ReadStats()
        self.header_line = 1
        self.header: tuple[str, ...] = ()
        self.delimiter = delimiter or ""
        self._read_header(delimiter)

    def _open(self) -> io.TextIOWrapper:
        binary = runtime.open_input(self.path, WHAT)
        return io.TextIOWrapper(binary, encoding=self.encoding, newline="", errors="strict")

    def _lines(self, stream: io.TextIOWrapper) -> Iterator[str]:
        """The physical lines, none longer than the value budget (`input-value-too-large`)."""
        return runtime.read_text_lines(stream, self.path, WHAT, runtime.limits().value_bytes)

    def _decode_error(self, exc: UnicodeDecodeError) -> InputError:
        line, byte = _first_bad_byte(self.path, self.encoding)
        return InputError(
            "table-encoding",
            f"This file is not valid {self.encoding}: {exc.reason} (byte {byte!r}).",
            location=at_line(self.path, line),
            hint="Give the right encoding with --encoding (utf-8, cp1252, latin-1, utf-16).",
        )

    def _read_header(self, delimiter: str | None) -> None:
        with self._open() as stream:
            line_no = 0
            first = ""
            try:
                for raw in self._lines(stream):
                    line_no += 1
                    if raw.startswith("#TYPE") and line_no == 1:  # PowerShell Export-Csv
                        continue
                    if raw.strip():
                        first = raw
                        break
            except UnicodeDecodeError as exc:
                raise self._decode_error(exc) from exc
        if not first:
            raise InputError(
                "table-empty",
                "This table file has no header row (it is empty).",
                location=str(self.path),
                hint="Export the table with its column names on the first line.",
            )
        self.header_line = line_no
        self.delimiter = delimiter or sniff_delimiter(first)
        cells = next(csv.reader([first], delimiter=self.delimiter))
        self.header = tuple(cell.strip() for cell in cells)

    def column(self, name: str) -> int:
        """The index of the column called `name` (exact, then case-insensitive)."""
        matches = [i for i, h in enumerate(self.header) if h == name]
        if not matches:
            matches = [i for i, h in enumerate(self.header) if h.casefold() == name.casefold()]
        if len(matches) == 1:
            return matches[0]
        where = at_line(self.path, self.header_line)
        if not matches:
            shown = ", ".join(self.header[:30]) + (" …" if len(self.header) > 30 else "")
            raise InputError(
                "table-column-missing",
                f"The column {name!r} is not in the header. Columns: {shown}",
                location=where,
                hint="Check the spelling in --map (column names are matched exactly, then "
                "ignoring case).",
            )
        raise InputError(
            "table-column-ambiguous",
            f"The header has {len(matches)} columns called {name!r}.",
            location=where,
            hint="Rename the duplicate columns in the export.",
        )

    def rows(self) -> Iterator[Row]:
        """Every data row after the header; short or long rows are counted and skipped."""
        width = len(self.header)
        with self._open() as stream:
            counter = _LineCounter(self._lines(stream), 0)
            try:
                for _ in range(self.header_line):
                    next(counter)
                reader = csv.reader(counter, delimiter=self.delimiter, strict=False)
                start = counter.lines + 1
                for cells in reader:
                    line, start = start, counter.lines + 1
                    if not cells or (len(cells) == 1 and not cells[0].strip()):
                        continue  # blank line
                    if len(cells) != width:
                        reason = SKIP_SHORT_ROW if len(cells) < width else SKIP_LONG_ROW
                        self.stats.skip(reason, at_line(self.path, line))
                        continue
                    yield Row(line, cells)
            except UnicodeDecodeError as exc:
                raise self._decode_error(exc) from exc
            except csv.Error as exc:
                raise InputError(
                    "table-malformed",
                    f"This CSV cannot be read: {exc}",
                    location=at_line(self.path, counter.lines),
                    hint="Check the quoting around that line (an unclosed quote swallows the "
                    "rest of the file).",
                ) from exc
