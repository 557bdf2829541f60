"""The exceptions list: which SIS records do not match under the recommended pair, and why."""

from __future__ import annotations

from authprobe.analysis.crosscheck import collect, correspond
from authprobe.analysis.exceptions import (
    ABSENT,
    NOT_FOUND,
    REASONS,
    STEP_REASONS,
    mismatches,
)
from authprobe.model import Record, SourceKind


def _sis(*people: tuple[str, str | None, str]) -> list[Record]:
    return [
        Record(ref=ref, attrs={"primary_id": (value,)} if value is not None else {}, population=pop)
        for ref, value, pop in people
    ]


def _dir(*values: str) -> list[Record]:
    return [
        Record(ref=f"uid=u{i},ou=People,dc=c", attrs={"employeeNumber": (v,)}, population="People")
        for i, v in enumerate(values)
    ]


def _run(sis_records: list[Record], dir_records: list[Record]) -> list[tuple[str, str | None, str]]:
    sis = collect(sis_records, SourceKind.SIS)
    directory = collect(dir_records, SourceKind.DIRECTORY)
    pair = correspond(sis, "primary_id", directory, "employeeNumber")
    return [(m.sis_ref, m.population, m.reason) for m in mismatches(sis, directory, pair)]


def test_matched_records_are_not_exceptions() -> None:
    """Every SIS value found in the directory yields no exception row."""
    sis = _sis(*((f"u.xml:{i}", f"10{i:04d}", "STUDENT") for i in range(50)))
    directory = _dir(*(f"10{i:04d}" for i in range(50)))
    assert _run(sis, directory) == []


def test_reasons_follow_the_first_step_that_would_join() -> None:
    """Absent, scope, leading zeros and not-found each get their own reason and keep population."""
    base = [(f"u.xml:{i}", f"A{i:05d}x", "STUDENT") for i in range(400)]
    sis = _sis(
        *base,
        ("u.xml:900", None, "STAFF"),
        ("u.xml:901", "zz99@college.ca", "STAFF"),
        ("u.xml:902", "000777", "GUEST"),
        ("u.xml:903", "nobody-here", None),
    )
    directory = _dir(*(f"A{i:05d}x" for i in range(400)), "zz99", "777")
    rows = _run(sis, directory)
    assert rows == [
        ("u.xml:900", "STAFF", ABSENT),
        ("u.xml:901", "STAFF", STEP_REASONS["strip-scope"]),
        ("u.xml:902", "GUEST", STEP_REASONS["strip-leading-zeros"]),
        ("u.xml:903", None, NOT_FOUND),
    ]


def test_case_difference_is_named_when_casefold_was_not_adopted() -> None:
    """A value differing only by case is reported as such (casefold never adopted: no gain)."""
    sis = _sis(("u.xml:1", "abc1", "S"), ("u.xml:2", "abc2", "S"))
    directory = _dir("abc1", "abc2")
    sis_side = collect(sis, SourceKind.SIS)
    dir_side = collect(directory, SourceKind.DIRECTORY)
    pair = correspond(sis_side, "primary_id", dir_side, "employeeNumber")
    assert pair.normalisation == ()
    extra = collect([*sis, Record("u.xml:3", {"primary_id": ("ABC3",)}, "S")], SourceKind.SIS)
    dir_extra = collect([*directory, *_dir("abc3")], SourceKind.DIRECTORY)
    rows = [(m.sis_ref, m.reason) for m in mismatches(extra, dir_extra, pair)]
    assert rows == [("u.xml:3", STEP_REASONS["casefold"])]


def test_value_of_the_field_is_kept_for_the_csv() -> None:
    """The mismatching SIS value is carried (for masked display), empty when absent."""
    sis = _sis(("u.xml:1", "k1", "S"), ("u.xml:2", "k2", "S"), ("u.xml:3", None, "S"))
    sis_side = collect([*sis, Record("u.xml:4", {"primary_id": ("q9",)}, "S")], SourceKind.SIS)
    dir_side = collect(_dir("k1", "k2"), SourceKind.DIRECTORY)
    pair = correspond(sis_side, "primary_id", dir_side, "employeeNumber")
    values = {m.sis_ref: m.value for m in mismatches(sis_side, dir_side, pair)}
    assert values == {"u.xml:3": "", "u.xml:4": "q9"}


def test_reason_vocabulary_is_complete_and_ordered() -> None:
    """The report lists absent first and not-found last."""
    assert REASONS[0] == ABSENT
    assert REASONS[-1] == NOT_FOUND
    assert len(set(REASONS)) == len(REASONS) == 7
