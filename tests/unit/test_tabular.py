"""Delimited text tables: encodings, delimiters, row numbers, bad rows and bad files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from authprobe.errors import InputError, UsageError
from authprobe.model import ReadStats
from authprobe.sources.tabular import SKIP_LONG_ROW, SKIP_SHORT_ROW, Table, detect_encoding


def write(path: Path, text: str, encoding: str = "utf-8", bom: bytes = b"") -> Path:
    path.write_bytes(bom + text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("cp1252", b"", "cp1252"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    ],
)
def test_encoding_is_detected(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    """UTF-8 with or without BOM, UTF-16 with BOM, else cp1252; the accented name survives."""
    path = write(tmp_path / "t.csv", "id,name\n1,Zoë Müller\n", encoding, bom)
    assert detect_encoding(path) == expected
    table = Table(path)
    assert table.header == ("id", "name")
    [row] = list(table.rows())
    assert row.cells == ["1", "Zoë Müller"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed_from_the_header(tmp_path: Path, delimiter: str) -> None:
    """The header's most frequent delimiter wins."""
    text = delimiter.join(["StudentNo", "Card", "Mail"]) + "\n"
    text += delimiter.join(["1", "2", "a@b.ca"]) + "\n"
    table = Table(write(tmp_path / "t.csv", text))
    assert table.delimiter == delimiter
    assert [r.cells for r in table.rows()] == [["1", "2", "a@b.ca"]]


def test_given_delimiter_wins(tmp_path: Path) -> None:
    """An explicit delimiter is used even when another character is more frequent."""
    table = Table(write(tmp_path / "t.csv", "a;b,c\n1;2,3\n"), delimiter=";")
    assert table.header == ("a", "b,c")


def test_row_numbers_are_start_lines(tmp_path: Path) -> None:
    """Rows know the line they start on, even after a quoted cell spanning two lines."""
    text = 'id,note\n1,"two\nlines"\n\n2,plain\n'
    rows = list(Table(write(tmp_path / "t.csv", text)).rows())
    assert [(r.line, r.cells[0]) for r in rows] == [(2, "1"), (5, "2")]


def test_powershell_type_line_is_skipped(tmp_path: Path) -> None:
    """Export-Csv's `#TYPE ...` first line is not the header; lines count from the file start."""
    text = '#TYPE Microsoft.ActiveDirectory.Management.ADUser\n"sAMAccountName","mail"\n"a","a@x"\n'
    table = Table(write(tmp_path / "t.csv", text))
    assert table.header == ("sAMAccountName", "mail")
    assert [r.line for r in table.rows()] == [3]


def test_short_and_long_rows_are_counted_and_skipped(tmp_path: Path) -> None:
    """Rows with a wrong number of cells are skipped, counted with their line."""
    stats = ReadStats()
    text = "a,b\n1,2\n3\n4,5,6\n7,8\n"
    rows = list(Table(write(tmp_path / "t.csv", text), stats=stats).rows())
    assert [r.cells for r in rows] == [["1", "2"], ["7", "8"]]
    assert stats.skipped == {SKIP_SHORT_ROW: 1, SKIP_LONG_ROW: 1}
    assert stats.skipped_examples[SKIP_SHORT_ROW] == [f"{tmp_path / 't.csv'}:3"]


def test_missing_column_names_file_and_header_line(tmp_path: Path) -> None:
    """Asking for a column the header lacks is an InputError at file:header line."""
    path = write(tmp_path / "t.csv", "StudentNo,Card\n1,2\n")
    table = Table(path)
    assert table.column("card") == 1  # case-insensitive fallback
    with pytest.raises(InputError) as info:
        table.column("Email")
    assert info.value.reference == "table-column-missing"
    assert info.value.location == f"{path}:1"


def test_wrong_given_encoding_names_the_line(tmp_path: Path) -> None:
    """Bytes that are not valid in the given encoding give an InputError with the line."""
    path = write(tmp_path / "t.csv", "id,name\n1,a\n2,Zoë\n", "cp1252")
    with pytest.raises(InputError) as info:
        list(Table(path, encoding="utf-8").rows())
    assert info.value.reference == "table-encoding"
    assert info.value.location == f"{path}:3"


def test_unknown_encoding_is_a_usage_error(tmp_path: Path) -> None:
    """An encoding name Python does not know is a usage error (exit 2)."""
    with pytest.raises(UsageError):
        Table(write(tmp_path / "t.csv", "a\n1\n"), encoding="klingon")


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    """A file without a header row is an InputError."""
    with pytest.raises(InputError) as info:
        Table(write(tmp_path / "t.csv", text))
    assert info.value.reference == "table-empty"


def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is an InputError naming it."""
    with pytest.raises(InputError) as info:
        Table(tmp_path / "nope.csv")
    assert info.value.location == str(tmp_path / "nope.csv")
