"""Cross-check: pairs are found from the data, measured under each step, with exact counts."""

from __future__ import annotations

import random

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from authprobe.analysis.crosscheck import collect, correspond, crosscheck
from authprobe.analysis.crosscheck.collected import _first_per_record
from authprobe.analysis.crosscheck.columns import RECORD, VALUE
from authprobe.model import Record, SourceKind
from tests.helpers import rec


def _sides(sis: list[Record], directory: list[Record]):  # type: ignore[no-untyped-def]
    return collect(sis, SourceKind.SIS), collect(directory, SourceKind.DIRECTORY)


def test_uppercase_usernames_join_after_casefold() -> None:
    """SIS `JDOE1` joins directory `jdoe1` once case is ignored: 8 of 10 SIS records."""
    sis = [rec(f"s{i}", "STUDENT", primary_id=f"USER{i}") for i in range(10)]
    directory = [rec(f"d{i}", "People", uid=f"user{i}") for i in range(8)]
    directory.append(rec("d99", "People", uid="someoneelse"))
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "uid")
    assert pair.normalisation == ("casefold",)
    assert (pair.matched, pair.directory_matched) == (8, 8)
    assert pair.sis_coverage == 0.8
    assert pair.directory_coverage == 8 / 9
    exact = pair.steps[0]
    assert (exact.step, exact.matched) == ("exact", 0)


def test_pairs_are_found_without_guessing() -> None:
    """Only the attribute that shares values with the SIS field is proposed."""
    sis = [rec(f"s{i}", primary_id=f"{1000 + i}") for i in range(50)]
    directory = [
        rec(f"d{i}", employeeNumber=f"{1000 + i}", telephoneNumber=f"555-{i:04d}", cn=f"P {i}")
        for i in range(50)
    ]
    s, d = _sides(sis, directory)
    pairs = crosscheck(s, d)
    assert [(p.sis_field, p.directory_attribute) for p in pairs] == [
        ("primary_id", "employeeNumber")
    ]
    assert pairs[0].normalisation == ()
    assert pairs[0].matched == 50


def test_leading_zeros_step_is_adopted_only_when_it_pays() -> None:
    """HR lost the leading zeros of 40 of 100 numbers: strip-leading-zeros gains 40 records."""
    sis = [rec(f"s{i}", primary_id=f"00{5000 + i}") for i in range(100)]
    directory = [
        rec(f"d{i}", employeeID=f"{5000 + i}" if i < 40 else f"00{5000 + i}") for i in range(100)
    ]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeID")
    by_step = {step.step: step.matched for step in pair.steps}
    assert by_step["exact"] == 60
    assert by_step["strip-leading-zeros"] == 100
    assert pair.normalisation == ("strip-leading-zeros",)
    assert pair.matched == 100


def test_noise_level_gain_is_not_adopted() -> None:
    """One value with a trailing space in 1,000 does not make `trim` part of the answer."""
    sis = [rec(f"s{i}", primary_id=f"{10000 + i}" + (" " if i == 7 else "")) for i in range(1000)]
    directory = [rec(f"d{i}", employeeID=f"{10000 + i}") for i in range(1000)]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeID")
    assert pair.normalisation == ()
    assert pair.matched == 999
    assert pair.steps[1].step == "trim"
    assert pair.steps[1].matched == 1000


def test_ambiguity_and_multi_values_are_counted() -> None:
    """Two directory entries share `77`; one entry holds two values."""
    sis = [rec("s1", primary_id="77"), rec("s2", primary_id="88"), rec("s3", primary_id="99")]
    directory = [
        rec("d1", employeeID="77"),
        rec("d2", employeeID="77"),
        rec("d3", employeeID=["88", "99"]),
    ]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeID")
    assert pair.sis_ambiguous == 1
    assert pair.directory_multi_valued == 1
    assert pair.matched == 3
    assert pair.directory_matched == 3


def test_population_coverage() -> None:
    """Students all match, staff half: per-population figures say so."""
    sis = [rec(f"st{i}", "STUDENT", primary_id=f"1{i:03d}") for i in range(10)]
    sis += [rec(f"sf{i}", "STAFF", primary_id=f"2{i:03d}") for i in range(4)]
    directory = [rec(f"d{i}", "Students", employeeID=f"1{i:03d}") for i in range(10)]
    directory += [rec(f"e{i}", "Staff", employeeID=f"2{i:03d}") for i in range(2)]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeID")
    sis_pops = {p.population: (p.matched, p.records) for p in pair.populations if p.source == "sis"}
    assert sis_pops == {"STAFF": (2, 4), "STUDENT": (10, 10)}
    dir_pops = {
        p.population: (p.matched, p.records) for p in pair.populations if p.source == "directory"
    }
    assert dir_pops == {"Staff": (2, 2), "Students": (10, 10)}


def test_name_derived_values_are_detected() -> None:
    """Usernames built from surnames are recognised as name-derived."""
    directory = [
        Record(f"d{i}", {"sAMAccountName": (f"j{name}{i}",), "sn": (name.title(),)})
        for i, name in enumerate(["smith", "jones", "brown", "nguyen"])
    ]
    sis = [rec(f"s{i}", primary_id=r.attrs["sAMAccountName"][0]) for i, r in enumerate(directory)]
    s, d = _sides(sis, directory)
    assert correspond(s, "primary_id", d, "sAMAccountName").name_derived_share == 1.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["001", "1", "A1", "a1", " a1", "x@y.ca", "X", "2"]), max_size=15),
    st.lists(st.sampled_from(["001", "1", "a1", "A1", "x", "x@z.ca", "2 "]), max_size=15),
    st.randoms(use_true_random=False),
)
def test_steps_never_lose_matches_and_order_does_not_matter(
    sis_values: list[str], dir_values: list[str], rnd: random.Random
) -> None:
    """Each later step matches at least as many records; shuffling the input changes nothing."""
    sis = [rec(f"s{i}", primary_id=v) for i, v in enumerate(sis_values)]
    directory = [rec(f"d{i}", uid=v) for i, v in enumerate(dir_values)]
    if not sis or not directory:
        return
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "uid")
    matched = [step.matched for step in pair.steps]
    assert matched == sorted(matched)
    assert all(step.matched <= len(sis) for step in pair.steps)
    rnd.shuffle(sis)
    rnd.shuffle(directory)
    s2, d2 = _sides(sis, directory)
    again = correspond(s2, "primary_id", d2, "uid")
    assert again.steps == pair.steps
    assert again.normalisation == pair.normalisation


def test_counted_sees_every_attribute_then_every_pair_with_the_total() -> None:
    """`crosscheck(counted=...)` is given each directory attribute as pairs are looked for,
    then each measured pair, each with their number (progress)."""
    sis = [rec(f"s{i}", primary_id=f"{1000 + i}", barcode=f"B{i}") for i in range(30)]
    directory = [rec(f"d{i}", employeeNumber=f"{1000 + i}", cn=f"B{i}") for i in range(30)]
    s, d = _sides(sis, directory)
    seen: list[tuple[str, object, int]] = []

    def counted(items, description, total):  # type: ignore[no-untyped-def]
        for item in items:
            seen.append((description, item if isinstance(item, str) else item[0], total))
            yield item

    pairs = crosscheck(s, d, counted=counted)
    assert len(pairs) == 2
    assert seen == [
        ("finding pairs", "employeeNumber", 2),
        ("finding pairs", "cn", 2),
        ("cross-checking pairs", 0, 2),
        ("cross-checking pairs", 1, 2),
    ]


def test_letting_go_of_unpaired_columns_changes_no_pair() -> None:
    """`keep_unpaired=False` (what `recommend` asks): the columns of the fields in no plausible
    pair are gone afterwards, the paired ones kept, and every correspondence is the same as
    with everything kept (the name-derived share still reads the surnames let go, the
    unmatched reasons the other attributes kept)."""
    surnames = ["smith", "jones", "brown", "nguyen", "patel", "garcia"]

    def directory() -> list[Record]:
        return [
            Record(
                f"d{i}",
                {
                    "sAMAccountName": (f"j{name}{i}",),
                    "mail": (f"j{name}{i}@college.ca",),
                    "employeeID": (f"{900 + i:05d}",),
                    "sn": (name.title(),),
                    "telephoneNumber": (f"555-{i:04d}",),
                    "cn": (f"Person {i}",),
                },
                "Staff" if i % 3 else "Students",
            )
            for i, name in enumerate(surnames * 5)
        ]

    def sis() -> list[Record]:
        return [
            rec(f"s{i}", "STUDENT", primary_id=f"{900 + i}", email=f"J{name}{i}@college.ca")
            for i, name in enumerate(surnames * 4)
        ] + [rec("s99", "STUDENT", primary_id="123", email="nobody@college.ca", barcode="B1")]

    kept = crosscheck(*_sides(sis(), directory()))
    s, d = _sides(sis(), directory())
    let_go = crosscheck(s, d, keep_unpaired=False)
    assert let_go == kept
    assert {p.directory_attribute for p in kept} == set(d.final.columns)
    assert {"sn", "telephoneNumber", "cn"}.isdisjoint(d.final.columns)
    assert {p.sis_field for p in kept} == set(s.final.columns)
    assert "barcode" not in s.final.columns
    assert any(p.name_derived_share > 0 for p in let_go)
    assert any(p.other_attributes for p in let_go)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from("abc")), max_size=30), st.booleans())
def test_each_records_first_value_is_found_in_any_order(
    rows: list[tuple[int, str]], ordered: bool
) -> None:
    """Each record's first value: rows in reading order (a pass over them) or not (a unique by
    record) give what `unique(keep="first")` gives."""
    if ordered:
        rows = sorted(rows, key=lambda row: row[0])  # stable: a record's values keep their order
    frame = pl.DataFrame(
        {RECORD: pl.Series([r for r, _ in rows], dtype=pl.UInt32), VALUE: [v for _, v in rows]},
        schema={RECORD: pl.UInt32, VALUE: pl.String},
    )
    expected = frame.unique(subset=RECORD, keep="first", maintain_order=True)
    assert _first_per_record(frame).equals(expected)
