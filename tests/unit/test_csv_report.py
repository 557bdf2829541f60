"""The exceptions CSV: one row per unmatched SIS record, masked, formula-safe."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from authprobe.cli.app import main
from authprobe.model import Mismatch, Outcome
from authprobe.reports.csv import (
    HEADER,
    exception_rows,
    outcome_in_words,
    reason_in_words,
    render_exceptions_csv,
    safe_cell,
)
from authprobe.reports.mask import mask
from tests.helpers import write_ldif, write_sis
from tests.reportdata import small_report


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # a byte order mark: Excel opens the file as UTF-8
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_escaped(value: str) -> None:
    """A cell starting with = + - @ (or tab/CR) gets an apostrophe in front."""
    assert safe_cell(value) == "'" + value


def test_ordinary_cells_are_unchanged() -> None:
    """Other cells are written as they are."""
    assert safe_cell("users.xml:12") == "users.xml:12"
    assert safe_cell("a=b") == "a=b"


def test_one_row_per_unmatched_record() -> None:
    """The CSV has the header and exactly the planted unmatched records."""
    rows = _rows(render_exceptions_csv(small_report(unmatched=4)))
    assert rows[0] == list(HEADER)
    assert [r[0] for r in rows[1:]] == [
        "users.xml:3",
        "users.xml:13",
        "users.xml:23",
        "users.xml:33",
    ]
    assert {r[1] for r in rows[1:]} == {"STUDENT"}
    assert {r[2] for r in rows[1:]} == {"primary_id"}
    assert {r[4] for r in rows[1:]} == {"no directory entry with that value"}


def test_values_masked_unless_shown() -> None:
    """The value column is masked by default and revealed with show_values."""
    report = small_report(unmatched=1)
    masked = _rows(render_exceptions_csv(report))[1][3]
    shown = _rows(render_exceptions_csv(report, show_values=True))[1][3]
    assert shown == "007000000"
    assert masked != shown
    assert len(masked) == len(shown)
    assert "•" in masked


def test_hostile_population_is_escaped() -> None:
    """A population that looks like a formula is made inert in the CSV."""
    rows = list(
        exception_rows([Mismatch("u.xml:1", '=HYPERLINK("x")', "absent", "")], "primary_id")
    )
    assert rows == [("u.xml:1", '\'=HYPERLINK("x")', "primary_id", "", "no primary_id", "")]


def test_reasons_are_in_a_registrars_words() -> None:
    """A record without the field says `no primary_id` (not `absent`); every pre-flight outcome
    has a sentence naming the Match ID field, and no code word like `rejected-taken`."""
    assert reason_in_words("absent", "primary_id") == "no primary_id"
    assert reason_in_words("differs by case", "primary_id") == "differs by case"
    for outcome in Outcome:
        words = outcome_in_words(outcome, "identifier:BARCODE")
        assert words != outcome.value
        assert "-" not in words  # never a code such as rejected-taken
        assert "{" not in words
    assert "identifier:BARCODE" in outcome_in_words(Outcome.AMBIGUOUS, "identifier:BARCODE")


def test_no_recommendation_gives_header_only() -> None:
    """When nothing is recommended there is nobody to list."""
    report = small_report(unmatched=70, students=60, staff=20)
    assert report.recommendation is None
    assert _rows(render_exceptions_csv(report)) == [list(HEADER)]


def test_cli_writes_exceptions_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`recommend --exceptions-csv FILE` writes one row per planted mismatch, masked."""
    entries = [
        {"dn": f"uid=u{i},ou=Students,dc=c,dc=ca", "uid": f"u{i}", "employeeNumber": f"{i:06d}"}
        for i in range(28)
    ]
    users = [{"primary_id": f"{i:06d}", "user_group": "STUDENT"} for i in range(30)]
    ldif = write_ldif(tmp_path / "d.ldif", entries)
    sis = write_sis(tmp_path / "s.xml", users)
    out = tmp_path / "exceptions.csv"
    code = main(
        ["recommend", "-d", str(ldif), "-s", str(sis), "-f", "json", "--exceptions-csv", str(out)]
    )
    assert code == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert rows[0] == list(HEADER)
    assert [(r[1], r[2], r[4]) for r in rows[1:]] == [
        ("STUDENT", "primary_id", "no directory entry with that value")
    ] * 2
    assert [r[3] for r in rows[1:]] == [mask("000028"), mask("000029")]
    assert "(2 rows)" in capsys.readouterr().err


def test_the_row_count_said_is_the_rows_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the users already in Alma the exceptions CSV also holds the first-load problems: the
    count on stderr is every data row of the file (it said only the mismatches: 229 of 620)."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "exceptions.csv"
    assert main(["demo", "--exceptions-csv", str(target), "-f", "json"]) == 0
    err = capsys.readouterr().err
    with target.open(encoding="utf-8-sig", newline="") as handle:
        data_rows = len(list(csv.reader(handle))) - 1
    assert data_rows > 229  # the demo's mismatches plus its first-load problems
    assert f"({data_rows:,} rows)" in err
