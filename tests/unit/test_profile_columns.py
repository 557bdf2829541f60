"""Profiles made from the cross-check's columns equal profiles counted record by record.

`recommend` leaves the directory's identifier attributes out of its `SourceProfiler`
(`elsewhere`) and makes their profiles from the `SideIndex` columns (`profile_columns`). The
reference is `SourceProfiler` counting every field: on any records (multi-valued, repeated,
empty, whitespace, case variants, non-ASCII, fields that are never identifiers) both must give
equal `FieldProfile`s in the same order, examples included, with the C accelerators on and off.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from authprobe.analysis import fastpath, profile, shapes
from authprobe.analysis.crosscheck import SideIndex
from authprobe.analysis.crosscheck.index import collects
from authprobe.analysis.profile_columns import column_profile, column_profiles, profiles
from authprobe.analysis.recommend import build_report
from authprobe.analysis.recommend import sides as recommend_sides
from authprobe.model import FieldProfile, Record, SourceKind
from tests.helpers import ListSource

_FAST = profile._FAST


@contextmanager
def _mode(fast: bool) -> Iterator[None]:
    """Profiles and index with their C code on (`fast`, where it was built) or off."""
    saved = profile._FAST, fastpath.FORCE_PURE
    profile._FAST = _FAST if fast else None
    fastpath.FORCE_PURE = not fast
    try:
        yield
    finally:
        profile._FAST, fastpath.FORCE_PURE = saved


def _counted(records: Sequence[Record]) -> list[FieldProfile]:
    """The reference: every field counted by the profiler."""
    profiler = profile.SourceProfiler(SourceKind.DIRECTORY)
    for record in records:
        profiler.add(record)
    return profiler.result()


def _from_columns(records: Sequence[Record]) -> list[FieldProfile]:
    """As `recommend` does: identifier fields left to the index, profiled from its columns."""
    profiler = profile.SourceProfiler(SourceKind.DIRECTORY, collects)
    index = SideIndex(SourceKind.DIRECTORY)
    for record in records:
        profiler.add(record)
        index.add(record)
    assert all(not collects(name) for name in profiler.fields)
    return profiles(profiler, profiler.result(), column_profiles(profiler, index.final.columns))


def _same(attrs_list: Sequence[dict[str, Any]]) -> list[FieldProfile]:
    records = [Record(ref=f"r{n}", attrs=attrs) for n, attrs in enumerate(attrs_list)]
    expected = _counted(records)
    for fast in (True, False):
        with _mode(fast):
            assert _from_columns(records) == expected
    return expected


_VALUE = st.one_of(
    st.sampled_from(
        ["a1", "A1", "a1 ", " a1", "", " ", "0123", "123", "Zoë", "ZOË", "x@y.org", "X@Y.ORG"]
    ),
    st.sampled_from(["é", "É", "İ", "i̇", "ß", "SS", "ss", "a/b", "a%b", "S-1-5-21-1"]),
    st.from_regex(r"\A[0-9]{1,12}\Z"),
    st.from_regex(r"\A[a-zA-Z]{1,6}[-_.@]{0,2}[a-zA-Z0-9.]{0,5}\Z"),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=20),
    st.text(max_size=8),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ", min_size=13, max_size=40),
)
_VALUES = st.one_of(
    st.lists(_VALUE, max_size=4).map(tuple),
    st.lists(st.sampled_from(["m", "M", "n"]), min_size=2, max_size=6).map(tuple),
    st.lists(_VALUE, min_size=17, max_size=20).map(tuple),  # past the C collectors' limit
)
_NAMES = st.sampled_from(["uid", "mail", "cn", "objectClass", "employeeNumber", "sn", "o"])
_ATTRS = st.dictionaries(_NAMES, _VALUES, max_size=6)


@given(st.lists(_ATTRS, max_size=30))
@settings(max_examples=150, deadline=None)
@example([{"uid": ("a",)}, {"uid": ("a", "a")}, {"uid": ("b", "a", "b")}, {"uid": ()}])
@example([{"mail": ("X@y.org",)}, {"mail": ("x@Y.org", "x@y.org")}, {"cn": ("Zoë", "ZOË")}])
@example([{"objectClass": ("person",), "uid": ("ß",)}, {"uid": ("SS", "ss")}])
@example([{"uid": (str(n),)} for n in range(20)])  # every value held once: no grouping
def test_column_profiles_equal_counted_profiles(attrs_list: list[dict[str, Any]]) -> None:
    """Random records give the same profiles, in the same field order, both ways."""
    _same(attrs_list)


def test_profiles_keep_the_first_seen_order_of_all_fields() -> None:
    """Fields counted by the profiler and fields made from columns interleave as first seen."""
    profiled = _same(
        [
            {"objectClass": ("person",), "uid": ("a",)},
            {"mail": ("a@x.org",), "o": ("College",), "uid": ("b",)},
            {"description": ("text",), "employeeNumber": ("0001",)},
        ]
    )
    names = [p.field for p in profiled]
    assert names == ["objectClass", "uid", "mail", "o", "description", "employeeNumber"]


def test_the_profiler_skips_fields_left_elsewhere() -> None:
    """A field left to the columns gets no counts (in C and in Python), but keeps its place."""
    for fast in (True, False):
        with _mode(fast):
            profiler = profile.SourceProfiler(SourceKind.DIRECTORY, collects)
            profiler.add(Record("1", {"uid": ("a",), "objectClass": ("top", "person")}))
            profiler.add(Record("2", {"objectClass": ("top",), "uid": ("b", "c")}))
            assert list(profiler.fields) == ["objectClass"]
            assert profiler.fields["objectClass"].counts == {"top": 2, "person": 1}
            assert profiler.names == ["uid", "objectClass"]


def test_a_released_profiler_refuses_to_freeze_again() -> None:
    """Once its values are let go, `result` would be wrong: it says so instead."""
    profiler = profile.SourceProfiler(SourceKind.SIS)
    profiler.add(Record("1", {"primary_id": ("1",)}))
    assert profiler.result()[0].distinct == 1
    profiler.release()
    with pytest.raises(RuntimeError, match="released"):
        profiler.result()


def test_large_columns_of_distinct_and_repeated_values() -> None:
    """Thousands of rows: all distinct (the hash shortcut), repeated, mixed case, one value."""
    records = [
        Record(
            f"r{n}",
            {
                "uid": (f"u{n:05d}",),
                "mail": (f"U{n % 700}@College.example", f"u{n % 700}@college.example"),
                "employeeType": ("student" if n % 3 else "Staff",),
                "eduPersonAffiliation": ("member",),
            },
        )
        for n in range(5000)
    ]
    expected = _counted(records)
    by_field = {p.field: p for p in expected}
    assert by_field["uid"].distinct == 5000
    assert by_field["mail"].case_collision_values == 700
    assert by_field["mail"].multi_valued == 5000
    for fast in (True, False):
        with _mode(fast):
            assert _from_columns(records) == expected


def test_an_empty_column_profiles_as_an_empty_field() -> None:
    """A field seen only without values: present 0, no lengths, no shapes, both ways."""
    index = SideIndex(SourceKind.DIRECTORY)
    index.add(Record("1", {"uid": ()}))
    made = column_profile(SourceKind.DIRECTORY, "uid", 1, index.final.columns["uid"])
    assert (made.present, made.distinct, made.min_length, made.shapes) == (0, 0, None, ())
    assert made == _counted([Record("1", {"uid": ()})])[0]


def test_recommend_profiles_are_those_of_the_counting_profiler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole report: the directory's profiles made from columns equal those counted."""
    directory = [
        Record(
            f"d{i}",
            {
                "objectClass": ("person",),
                "uid": (f"user{i}",),
                "mail": (f"User{i}@college.ca",) if i % 4 else (),
                "employeeNumber": (f"{i:09d}",),
                "cn": (f"Name {i % 50}",),
            },
        )
        for i in range(300)
    ]
    sis = [Record(f"s{i}", {"primary_id": (f"{i:09d}",)}) for i in range(300)]

    def report() -> list[FieldProfile]:
        made = build_report(
            ListSource(SourceKind.DIRECTORY, directory), ListSource(SourceKind.SIS, sis)
        )
        return [p for p in made.profiles if p.source is SourceKind.DIRECTORY]

    from_columns = report()
    monkeypatch.setattr(recommend_sides, "collects", lambda name: False)
    counted = report()
    assert from_columns == counted
    assert [p.field for p in counted] == ["objectClass", "uid", "mail", "employeeNumber", "cn"]


@pytest.mark.skipif(_FAST is None, reason="the C accelerator of the profiles is not built")
@given(st.dictionaries(_VALUE, st.integers(min_value=1, max_value=5), max_size=60))
@settings(max_examples=200, deadline=None)
@example({f"{'x' * n}-{n}": n % 3 + 1 for n in range(40)})  # 40 shapes: past the recent ones
@example({"S-1-5-21-7": 2, "a b": 1, "": 3, " x": 1, "x@Y.org": 2, "é": 1})  # shared shapes
def test_shape_column_sums_shapes_as_python_does(counts: dict[str, int]) -> None:
    """`_profile.shape_column` over a column of distinct values and their counts gives the
    summary Python gives for the same counts (many shapes, shared ones, non-ASCII)."""
    import polars as pl

    profiler = profile.FieldProfiler(SourceKind.DIRECTORY, "f")
    profiler.counts = dict(counts)
    with _mode(False):
        expected = profiler.summary()
    values = pl.Series(list(counts), dtype=pl.String)
    held = pl.Series(list(counts.values()), dtype=pl.UInt32)
    assert _FAST is not None
    made = _FAST.shape_column(
        values.__arrow_c_stream__(), held.__arrow_c_stream__(), shapes.shape_awkward
    )
    assert made == expected
    if all(n == 1 for n in counts.values()):
        alone = _FAST.shape_column(values.__arrow_c_stream__(), None, shapes.shape_awkward)
        assert alone == expected


def test_profiling_from_columns_shows_progress_with_its_total() -> None:
    """`column_profiles(..., wrap)` sees each attribute made from its column, with their number
    (the attributes the profiler counted itself are frozen apart: not shown)."""
    profiler = profile.SourceProfiler(SourceKind.DIRECTORY, collects)
    index = SideIndex(SourceKind.DIRECTORY)
    for record in [Record("1", {"objectClass": ("person",), "uid": ("a",), "mail": ("a@x.org",)})]:
        profiler.add(record)
        index.add(record)
    seen: list[tuple[str, str, int | None]] = []

    def wrap(items, description, total=None):  # type: ignore[no-untyped-def]
        for item in items:
            seen.append((item, description, total))
            yield item

    made = profiles(
        profiler, profiler.result(), column_profiles(profiler, index.final.columns, wrap)
    )
    assert [p.field for p in made] == ["objectClass", "uid", "mail"]
    assert seen == [
        ("uid", "profiling directory attributes", 2),
        ("mail", "profiling directory attributes", 2),
    ]
