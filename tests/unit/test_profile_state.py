"""Profiles of two parts of the records, merged (`SourceProfiler.state` / `merge_state`, the
summaries added up): exactly the profiles of one profiler fed every record, on the C path and
the Python reference."""

from __future__ import annotations

import marshal
import string
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from authprobe.analysis import profile
from authprobe.model import FieldProfile, Record, SourceKind
from authprobe.runtime import native

_C = native.load("authprobe.analysis._profile")
VALUES = st.one_of(
    st.sampled_from(["a", "A", "b", "0012", "12", " x", "x ", "", "é", "a/b", "MiXed", "u@x.org"]),
    st.text(alphabet=string.printable, max_size=12),
    st.text(max_size=6),
)
ATTRS = st.dictionaries(
    st.sampled_from(["uid", "mail", "cn", "Mail", "cn;x"]),
    st.lists(VALUES, min_size=0, max_size=3).map(tuple),
    max_size=4,
)


@contextmanager
def mode(fast: bool) -> Iterator[None]:
    """The C accelerator on (`fast`, when built) or off."""
    saved = profile._FAST
    profile._FAST = _C if fast else None
    try:
        yield
    finally:
        profile._FAST = saved


def fed(records: list[dict[str, Any]]) -> profile.SourceProfiler:
    profiler = profile.SourceProfiler(SourceKind.DIRECTORY)
    for number, attrs in enumerate(records):
        profiler.add(Record(ref=str(number), attrs=attrs))
    return profiler


def merged(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> list[FieldProfile]:
    """The first part profiled here and summarised, the second's state passed through marshal
    (as from a child process) and merged."""
    mine, theirs = fed(first), fed(second)
    mine.summarise()
    state = marshal.loads(marshal.dumps(theirs.state()))  # noqa: S302 - our own data
    mine.merge_state(state)
    return mine.result()


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(ATTRS, max_size=30),
    cut=st.integers(0, 30),
    fast=st.booleans(),
)
def test_merged_parts_profile_as_one(records: list[dict[str, Any]], cut: int, fast: bool) -> None:
    """Any records cut anywhere in two: the merged profiles equal those of one profiler."""
    with mode(fast and _C is not None):
        expected = fed(records).result()
        assert merged(records[:cut], records[cut:]) == expected


def test_renamed_fields_join_the_first_spelling() -> None:
    """`rename` maps a field of the other part onto one of ours: its counts join ours."""
    mine = fed([{"mail": ("a@x.org",)}, {"mail": ("b@x.org",)}])
    theirs = fed([{"MAIL": ("b@x.org",)}, {"Other": ("1",)}])
    mine.summarise()
    mine.merge_state(theirs.state(), lambda name: "mail" if name == "MAIL" else name)
    mail, other = mine.result()
    assert (mail.field, mail.records, mail.present, mail.distinct) == ("mail", 4, 3, 2)
    assert (mail.duplicate_values, mail.duplicate_records) == (1, 2)
    assert (other.field, other.present) == ("Other", 1)


def test_summary_is_not_used_once_counts_change() -> None:
    """A kept summary is dropped when records are added after it: the result is worked out."""
    profiler = fed([{"uid": ("abc",)}])
    profiler.summarise()
    profiler.add(Record(ref="2", attrs={"uid": ("0012",)}))
    (uid,) = profiler.result()
    assert sorted((s.shape, s.count) for s in uid.shapes) == [
        ("4 digits, leading zero", 1),
        ("lower letters", 1),
    ]
