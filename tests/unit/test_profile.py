"""Field profiles: counts that a reader can check by hand."""

from __future__ import annotations

import os
from itertools import pairwise

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from authprobe.analysis import profile
from authprobe.analysis.profile import SourceProfiler, profile_records
from authprobe.analysis.shapes import AWKWARD, has_awkward, value_shape
from authprobe.model import Record, SourceKind
from tests.helpers import rec


def _by_field(records: list[Record]) -> dict[str, object]:
    return {p.field: p for p in profile_records(records, SourceKind.SIS)}


def test_duplicates_and_case_collisions_are_counted() -> None:
    """Two records share `A1`; `b2`/`B2` collide by case between two other records."""
    profiles = _by_field(
        [
            rec("1", primary_id="A1"),
            rec("2", primary_id="A1"),
            rec("3", primary_id="b2"),
            rec("4", primary_id="B2"),
            rec("5"),
        ]
    )
    p = profiles["primary_id"]
    assert (p.records, p.present, p.distinct) == (5, 4, 3)  # type: ignore[attr-defined]
    assert (p.duplicate_values, p.duplicate_records) == (1, 2)  # type: ignore[attr-defined]
    assert (p.case_collision_values, p.case_collision_records) == (1, 2)  # type: ignore[attr-defined]


def test_multi_valued_and_lengths() -> None:
    """A record with two values is multi-valued; lengths span every value."""
    p = _by_field([rec("1", email=["a@x.ca", "bbbb@x.ca"]), rec("2", email="cc@x.ca")])["email"]
    assert p.multi_valued == 1  # type: ignore[attr-defined]
    assert (p.min_length, p.max_length) == (6, 9)  # type: ignore[attr-defined]
    assert p.shapes[0].shape == "email @x.ca"  # type: ignore[attr-defined]
    assert p.shapes[0].count == 3  # type: ignore[attr-defined]


def test_same_value_twice_on_one_record_is_not_a_duplicate() -> None:
    """A value repeated inside one record counts once for that record."""
    p = _by_field([rec("1", email=["a@x.ca", "a@x.ca"])])["email"]
    assert p.duplicate_values == 0  # type: ignore[attr-defined]
    assert p.distinct == 1  # type: ignore[attr-defined]


def test_shapes() -> None:
    """Shapes describe what a value looks like without showing it."""
    assert value_shape("012345678") == "9 digits, leading zero"
    assert value_shape("12345") == "5 digits"
    assert value_shape("JDOE12") == "UPPER alnum"
    assert value_shape("jdoe@College.CA") == "email @college.ca"
    assert value_shape(" 12") == "leading/trailing whitespace"
    assert value_shape("S-1-5-21-1-2-3") == "sid (S-1-…)"


@given(
    st.lists(st.lists(st.sampled_from(["a", "A", "b", "c", "C", "dd"]), max_size=3), max_size=30)
)
def test_counts_add_up(rows: list[list[str]]) -> None:
    """present <= records, duplicate records >= 2 x duplicate values, distinct <= all values."""
    records = [rec(str(i), field=row) if row else rec(str(i)) for i, row in enumerate(rows)]
    profiles = profile_records(records, SourceKind.DIRECTORY)
    for p in profiles:
        assert p.records == len(rows)
        assert p.present == sum(1 for row in rows if row)
        assert p.duplicate_records >= 2 * p.duplicate_values
        assert p.distinct == len({v for row in rows for v in row})
        assert p.multi_valued == sum(1 for row in rows if len(set(row)) > 1)


_VALUES = st.sampled_from(["a", "A", "b", " b", "0012", "x@y.ca", "dd", ""])
_ROWS = st.lists(
    st.dictionaries(st.sampled_from(["uid", "mail", "cn"]), st.lists(_VALUES, max_size=3)),
    max_size=25,
)


@given(_ROWS, st.lists(st.integers(min_value=0, max_value=25), max_size=4))
def test_merging_split_inputs_equals_one_pass(
    rows: list[dict[str, list[str]]], cuts: list[int]
) -> None:
    """Profiling consecutive slices separately and merging them gives the one-pass profiles."""
    records = [
        Record(ref=str(i), attrs={k: tuple(v) for k, v in row.items()}, population=None)
        for i, row in enumerate(rows)
    ]
    bounds = [0, *sorted(min(c, len(records)) for c in cuts), len(records)]
    merged = SourceProfiler(SourceKind.DIRECTORY)
    for start, end in pairwise(bounds):
        part = SourceProfiler(SourceKind.DIRECTORY)
        for record in records[start:end]:
            part.add(record)
        merged.merge(part)
    assert merged.result() == profile_records(records, SourceKind.DIRECTORY)


def test_single_values_counted_in_bulk_give_the_same_profile() -> None:
    """Counting one-value records in bulk with `add_each` (the LDAP fast path) = `add`."""
    rows = [("a",), ("b", "a"), ("a",), ("c", "c"), ("b",)]
    one = SourceProfiler(SourceKind.DIRECTORY)
    for i, values in enumerate(rows):
        one.add(Record(ref=str(i), attrs={"f": values}, population=None))
    direct = SourceProfiler(SourceKind.DIRECTORY)
    field = direct.fields["f"] = one.fields["f"].__class__(SourceKind.DIRECTORY, "f")
    for values in rows:
        if len(values) == 1:
            field.add_each(values)
        else:
            field.add(values)
    direct.records = len(rows)
    (expected,) = one.result()
    assert direct.result() == [expected]
    assert (expected.present, expected.multi_valued, expected.distinct) == (5, 1, 3)


def test_parallel_freezing_gives_the_same_profiles() -> None:
    """Freezing half the fields in a forked child gives exactly the one-process profiles."""
    profiler = SourceProfiler(SourceKind.DIRECTORY)
    for i in range(300):
        profiler.add(
            rec(str(i), uid=f"u{i:04d}", mail=f"U{i % 7}@x.ca", kind=["a", "b"][: i % 3], cn=" x")
        )
    expected = profiler.result()
    assert profiler.result(parallel=True, min_values=0) == expected
    assert [p.field for p in expected] == ["uid", "mail", "kind", "cn"]
    assert expected[0].distinct == 300


def _plain_freeze(counts: dict[str, int]) -> dict[str, object]:
    """The statistics the fast paths of `FieldProfiler.result` must give, computed plainly:
    every value casefolded, shaped and searched one by one."""
    spellings: dict[str, list[str]] = {}
    for value in counts:
        spellings.setdefault(value.casefold(), []).append(value)
    colliding = [variants for variants in spellings.values() if len(variants) > 1]
    shapes: dict[str, int] = {}
    for value, count in counts.items():
        shapes[value_shape(value)] = shapes.get(value_shape(value), 0) + count
    return {
        "case_collision_values": len(colliding),
        "case_collision_records": sum(counts[v] for vs in colliding for v in vs),
        "shapes": sorted(shapes.items(), key=lambda kv: (-kv[1], kv[0]))[:8],
        "awkward_values": sum(c for v, c in counts.items() if AWKWARD.search(v)),
    }


_TRICKY = st.sampled_from(
    ["", " ", "a b", "x/y", "50%", "q?", "#1", "Straße", "STRASSE", "ﬁle", "FILE", "Σ", "σ",
     "0012", "12", "A1", "a1", "jo@x.ca", "JO@X.CA", "@x.ca", "a@b", "S-1-5-21-1", "\x1cz",
     "é", "É", "tab\t", "ÅB", "åb", "a-b_c", "xyz", "XYZ", "zQ", "Zq",
     "123e4567-e89b-12d3-a456-426614174000"]
)  # fmt: skip


@given(st.lists(st.one_of(_TRICKY, st.text(max_size=6)), max_size=30), st.booleans())
@example(["xyz", "XYZ", "0012"], True)
@example(["jo@x.ca", "Jo@x.ca", "Jo@x.ca", "12"], False)
def test_fast_freezing_gives_the_plain_statistics(values: list[str], once: bool) -> None:
    """The whole-field shortcuts (one scan for awkward characters and capitals, shapes counted
    in bulk when every value is held once) give exactly the value-by-value statistics."""
    profiler = SourceProfiler(SourceKind.SIS)
    for n, value in enumerate(values):
        profiler.add(Record(f"r{n}", {"f": (value,)}))
    if not values:
        return
    field = profiler.fields["f"]
    if once:  # every value held by one record: the bulk path
        field.counts = dict.fromkeys(field.counts, 1)
    expected = _plain_freeze(dict(field.counts))
    frozen = field.result(profiler.records)
    assert {
        "case_collision_values": frozen.case_collision_values,
        "case_collision_records": frozen.case_collision_records,
        "shapes": [(s.shape, s.count) for s in frozen.shapes],
        "awkward_values": frozen.awkward_values,
    } == expected


def test_has_awkward_agrees_with_the_pattern() -> None:
    """Every code point class that matters: ASCII one by one, and non-ASCII."""
    for code in [*range(0x80), 0x85, 0xA0, 0xE9, 0x2028, 0x3000, 0x1F600]:
        text = f"ab{chr(code)}cd"
        assert has_awkward(text) == bool(AWKWARD.search(text)), hex(code)


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="outside CI the C compiler is optional")
def test_ci_builds_the_profile_accelerator() -> None:
    """.ci/run installs gcc and Python's headers, so the profiles run in C there (and
    tests/unit/test_profile_fast.py compares them with the Python code instead of skipping)."""
    assert profile._FAST is not None
