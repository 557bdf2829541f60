"""Progress with a total: the records an input will give are counted before it is read, and the
bar then shows done/total, the percentage, the rate and the time left."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

from authprobe.cli.console import Environment
from authprobe.sources import expected
from authprobe.sources.expected import expected_records
from tests.helpers import write_ldif, write_sis


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 7 bytes: every pattern is cut by a chunk boundary somewhere."""
    monkeypatch.setattr(expected, "CHUNK", 7)


def test_ldif_entries_are_counted(tmp_path: Path) -> None:
    """Every `dn:` line is an entry, the first one included (no line break before it)."""
    entries = [{"dn": f"uid=u{i},dc=c", "uid": f"u{i}"} for i in range(37)]
    path = write_ldif(tmp_path / "d.ldif", entries)
    assert expected_records([path]) == 37


def test_sis_users_are_counted_in_files_and_folders(tmp_path: Path) -> None:
    """`<user>` elements of an XML file, and of every XML file of a folder (not `<users>`)."""
    write_sis(tmp_path / "one.xml", [{"primary_id": f"a{i}"} for i in range(12)])
    folder = tmp_path / "many"
    folder.mkdir()
    for part in range(3):
        write_sis(folder / f"p{part}.xml", [{"primary_id": f"b{part}{i}"} for i in range(5)])
    assert expected_records([tmp_path / "one.xml"]) == 12
    assert expected_records([tmp_path / "one.xml", folder]) == 27


@pytest.mark.parametrize("ending", ["\n", ""])
def test_csv_rows_are_counted_after_the_header(tmp_path: Path, ending: str) -> None:
    """Lines after the header, with or without a line break after the last row."""
    path = tmp_path / "x.csv"
    path.write_text("primary_id\n" + "\n".join(f"r{i}" for i in range(9)) + ending, "utf-8")
    assert expected_records([path]) == 9


def test_what_cannot_be_counted_cheaply_is_none(tmp_path: Path) -> None:
    """A zip, a URL, a saved .jsonl.gz or a file over the budget: no total (count and rate
    only), never a wrong one."""
    archive = tmp_path / "sis.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("u.xml", "<users><user></user></users>")
    big = write_sis(tmp_path / "big.xml", [{"primary_id": "a"}])
    assert expected_records([archive]) is None
    assert expected_records(["ldap://directory.college.ca"]) is None
    assert expected_records([tmp_path / "saved.jsonl.gz"]) is None
    assert expected_records([big], budget=10) is None


def _terminal() -> tuple[Environment, io.StringIO]:
    err = io.StringIO()
    console = Console(file=err, force_terminal=True, width=120, color_system=None)
    return Environment(stdout=Console(file=io.StringIO()), stderr=console), err


def test_a_known_total_shows_percentage_and_time_left() -> None:
    """With a total the bar shows done/total, the percentage and the time left."""
    env, err = _terminal()
    assert sum(env.counted(range(5000), "reading sis", 5000)) == sum(range(5000))
    shown = err.getvalue()
    assert "5000/5000" in shown
    assert "100%" in shown
    assert "left" in shown


def test_an_unknown_total_shows_no_bar_pretending_to_know() -> None:
    """Without a total: the count and the rate, no "/?" and no percentage."""
    env, err = _terminal()
    assert list(env.counted(range(4001), "reading directory")) == list(range(4001))
    shown = err.getvalue()
    assert "4,001" in shown
    assert "/?" not in shown
    assert "%" not in shown


def test_reads_counts_only_for_a_terminal(tmp_path: Path) -> None:
    """`reads` counts the expected records only when a terminal shows the bar."""
    calls: list[str] = []

    def count() -> int:
        calls.append("counted")
        return 3

    quiet = Environment(stdout=Console(file=io.StringIO()), stderr=Console(file=io.StringIO()))
    assert list(quiet.reads({"reading sis": count})([1, 2, 3], "reading sis")) == [1, 2, 3]
    assert calls == []
    env, err = _terminal()
    assert list(env.reads({"reading sis": count})([1, 2, 3], "reading sis")) == [1, 2, 3]
    assert calls == ["counted"]
    assert "3/3" in err.getvalue()
