"""The C loops of `LoadColumns.add` and `SideIndex.add` (`_columns.c`) against the Python ones:
the same columns."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authprobe.analysis import fastpath, loadcolumns
from authprobe.analysis.crosscheck import index
from authprobe.analysis.crosscheck.index import SideIndex
from authprobe.analysis.loadcolumns import LoadColumns
from authprobe.model import Record, SourceKind

pytestmark = pytest.mark.skipif(
    fastpath.MODULE is None and os.environ.get("CI") != "true",
    reason="authprobe.analysis._columns was not built (no C compiler at install)",
)


@pytest.fixture(autouse=True)
def _both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests choose the loop themselves: a user's switch does not apply."""
    monkeypatch.delenv("AUTHPROBE_PURE_COLUMNS", raising=False)
    monkeypatch.delenv("AUTHPROBE_PURE_PYTHON", raising=False)


@contextmanager
def pure() -> Iterator[None]:
    fastpath.FORCE_PURE = True
    try:
        yield
    finally:
        fastpath.FORCE_PURE = False


def _both(records: list[Record]) -> tuple[LoadColumns, LoadColumns]:
    fast = LoadColumns()
    assert fast._fast is not None
    for record in records:
        fast.add(record)
    with pure():
        slow = LoadColumns()
        assert slow._fast is None
        for record in records:
            slow.add(record)
    return fast, slow


def _same(fast: LoadColumns, slow: LoadColumns) -> None:
    assert fast.records == slow.records
    assert fast.field_codes == slow.field_codes
    assert list(fast.field_codes) == list(slow.field_codes)  # codes in first-seen order
    mine, theirs = fast.frames(), slow.frames()
    assert mine.keys() == theirs.keys()
    for name in mine:
        assert mine[name].equals(theirs[name]), name
    assert fast.accounts() == slow.accounts()


_text = st.text(alphabet=st.sampled_from([*"aB1 @.-", "\u00e9", "\u00a0"]), max_size=5)
_names = st.sampled_from(
    ["primary_id", "identifier:UNIV_ID", "identifier:BARCODE", "email", "email:all", "mail"]
)
_info_keys = st.sampled_from(
    ["first_name", "last_name", "birth_date", "account_type", "user_group", "status"]
)
_record = st.builds(
    lambda n, attrs, info, group: Record(f"f.xml:{n}", attrs, group, info),
    st.integers(1, 10**6),
    st.dictionaries(_names, st.lists(_text, max_size=3).map(tuple), max_size=5),
    st.dictionaries(_info_keys, _text, max_size=5),
    st.one_of(st.none(), _text),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_record, max_size=30), st.integers(1, 7))
def test_the_c_loop_gives_the_python_columns(records: list[Record], flush_every: int) -> None:
    """Whatever the records (fields new and known, several values, none, no birth date, any
    account type) and however often the lists are flushed, the columns are the Python ones."""
    saved = loadcolumns.FLUSH_EVERY
    loadcolumns.FLUSH_EVERY = flush_every
    try:
        _same(*_both(records))
    finally:
        loadcolumns.FLUSH_EVERY = saved


def test_records_the_c_loop_does_not_take_go_to_python() -> None:
    """A record whose attrs or info is not a plain dict, or holds lists, is added by the Python
    loop, numbered in sequence with the others."""
    records = [
        Record("a:1", {"primary_id": ("1",)}, "G", {"birth_date": "2000-01-01"}),
        Record("a:2", MappingProxyType({"primary_id": ("2",)}), None, {}),
        Record("a:3", {"primary_id": ["3", "4"]}, None, {}),  # type: ignore[dict-item]
        Record("a:4", {"primary_id": ("5",)}, None, MappingProxyType({"account_type": "x"})),
        Record("a:5", {"primary_id": ("6",), "email:all": ("M@X",)}, None, {}),
    ]
    fast, slow = _both(records)
    _same(fast, slow)
    assert fast.values.get_column("r").to_list() == [0, 1, 2, 2, 3, 4]
    assert fast.refs.to_list() == ["a:1", "a:2", "a:3", "a:4", "a:5"]


def test_adding_after_frames_were_built_rebuilds_them() -> None:
    """Columns read, then more records added: the columns include them (both loops)."""
    for force in (False, True):
        fastpath.FORCE_PURE = force
        try:
            columns = LoadColumns()
            columns.add(Record("a:1", {"primary_id": ("X",)}, None, {}))
            assert columns.values.height == 1
            columns.add(Record("a:2", {"primary_id": ("Y",)}, None, {}))
            assert columns.values.get_column("v").to_list() == ["x", "y"]
            assert columns.records == 2
            side = SideIndex(SourceKind.SIS)
            side.add(Record("a:1", {"uid": ("X",)}, None, {}))
            assert side.final.records == 1
            side.add(Record("a:2", {"uid": ("Y",)}, None, {}))
            assert side.final.columns["uid"].values.to_list() == ["X", "Y"]
        finally:
            fastpath.FORCE_PURE = False


def _index_both(records: list[Record]) -> tuple[SideIndex, SideIndex]:
    fast = SideIndex(SourceKind.DIRECTORY)
    assert fast._fast is not None
    for record in records:
        fast.add(record)
    with pure():
        slow = SideIndex(SourceKind.DIRECTORY)
        assert slow._fast is None
        for record in records:
            slow.add(record)
    return fast, slow


_attribute = st.sampled_from(["uid", "mail", "employeeID", "givenName", "sn", "objectClass", "cn"])
_value = st.text(
    alphabet=st.sampled_from([*"aB1 @.-", "\u00e9", "\u00a0", "\U0001f600"]), max_size=16
)
"""Values either side of 12 UTF-8 bytes: the C loop keeps those in their view, the longer ones
in a data buffer."""
_entry = st.builds(
    lambda n, attrs, info, group: Record(f"uid={n},ou=p", attrs, group, info),
    st.integers(1, 10**6),
    st.dictionaries(_attribute, st.lists(_value, max_size=3).map(tuple), max_size=6),
    st.dictionaries(st.sampled_from(["givenName", "sn", "first_name", "disabled"]), _text),
    st.one_of(st.none(), _text),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_entry, max_size=30), st.integers(1, 7))
def test_the_c_index_loop_gives_the_python_columns(records: list[Record], flush_every: int) -> None:
    """The cross-check's index collected by the C loop equals the Python loop's: every field's
    record numbers, values and multi-valued records, the name parts, references and
    populations, whatever the flush size."""
    saved = index.FLUSH_EVERY
    index.FLUSH_EVERY = flush_every
    try:
        fast, slow = _index_both(records)
    finally:
        index.FLUSH_EVERY = saved
    assert fast.records == slow.records
    assert fast.fields == slow.fields
    mine, theirs = fast.final, slow.final
    assert mine.refs.equals(theirs.refs)
    assert mine.populations.equals(theirs.populations)
    assert mine.names.equals(theirs.names)
    assert mine.columns.keys() == theirs.columns.keys()
    for name, column in mine.columns.items():
        other = theirs.columns[name]
        assert column.numbers.equals(other.numbers), name
        assert column.values.equals(other.values), name
        assert column.multi.equals(other.multi), name


def test_names_in_another_order_or_as_other_objects_find_their_fields() -> None:
    """The C loop knows a record's field names by position and address once seen: records
    whose names come in another order, or are equal strings made afresh (other objects), or
    a field that is not collected at a position another record collects, land in the same
    columns as the Python loop's."""

    def name(text: str) -> str:
        return "".join(list(text))  # an equal str, another object

    records = [
        Record("r0", {"uid": ("a",), "mail": ("a@x",), "objectClass": ("person",)}),
        Record("r1", {"mail": ("b@x",), "uid": ("b",)}),
        Record("r2", {name("uid"): ("c",), name("mail"): ("c@x",)}),
        Record("r3", {"objectClass": ("person",), "uid": ("d",), name("employeeID"): ("7",)}),
        Record("r4", {"uid": ("e",), "mail": ("e@x",), "objectClass": ("x",)}),
    ]
    fast, slow = _index_both(records)
    mine, theirs = fast.final, slow.final
    assert mine.columns.keys() == theirs.columns.keys() == {"uid", "mail", "employeeID"}
    for field, column in mine.columns.items():
        assert column.numbers.equals(theirs.columns[field].numbers), field
        assert column.values.equals(theirs.columns[field].values), field
    assert mine.columns["uid"].values.to_list() == list("abcde")


class _Text(str):
    """A str subclass (the C loop leaves such values to Python)."""


def test_many_or_odd_values_of_one_field_give_the_python_columns() -> None:
    """Several values of one field: up to 16 deduplicated in C (first seen first, the record
    noted as multi-valued when two differ), more than 16 or values not all str by Python; the
    same columns either way."""
    many = tuple(f"v{n % 11}" for n in range(20))  # 20 values, 11 distinct: Python's
    records = [
        Record("a", {"mail": ("x@c.ca", "y@c.ca", "x@c.ca")}, None),
        Record("b", {"mail": ("same", "same")}, None),  # one distinct value: not multi
        Record("c", {"mail": many}, None),
        Record("d", {"mail": (_Text("s"), "t")}, None),
        Record("e", {"mail": tuple(f"w{n}" for n in range(16))}, None),  # 16: C's
    ]
    fast, slow = _index_both(records)
    mine, theirs = fast.final.columns["mail"], slow.final.columns["mail"]
    assert mine.numbers.to_list() == theirs.numbers.to_list()
    assert mine.values.to_list() == theirs.values.to_list()
    assert mine.multi.to_list() == theirs.multi.to_list() == [0, 2, 3, 4]
    assert mine.values.to_list()[:3] == ["x@c.ca", "y@c.ca", "same"]


def test_records_the_c_index_loop_leaves_are_given_back_plain() -> None:
    """A record whose attrs is not a plain dict, or holds lists, is given back to the C loop
    as plain dicts and tuples (numbered in sequence): the Python loop's columns."""
    records = [
        Record("a", {"uid": ("x",)}, "G", {"sn": "Doe"}),
        Record("b", MappingProxyType({"uid": ("y", "z")}), None, {}),
        Record("c", {"uid": ["w", "w"]}, None, MappingProxyType({"sn": "Roe"})),  # type: ignore[dict-item]
        Record("d", {"uid": ("a much longer value than twelve bytes",)}, None, {}),
    ]
    fast, slow = _index_both(records)
    mine, theirs = fast.final.columns["uid"], slow.final.columns["uid"]
    assert mine.numbers.to_list() == theirs.numbers.to_list() == [0, 1, 1, 2, 3]
    assert mine.values.to_list() == theirs.values.to_list()
    assert mine.multi.to_list() == theirs.multi.to_list() == [1]
    assert fast.final.names.equals(slow.final.names)


def test_a_value_that_is_not_text_is_refused_by_the_c_loop() -> None:
    """Values are text (the readers decode them); anything else is a TypeError, not a crash."""
    side = SideIndex(SourceKind.DIRECTORY)
    with pytest.raises(TypeError, match="must be str"):
        side.add(Record("a", {"uid": (b"x",)}, None, {}))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be str"):
        side.add(Record("b", {"uid": ("x", 1)}, None, {}))  # type: ignore[arg-type]


def test_the_switch_turns_the_c_loop_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """AUTHPROBE_PURE_COLUMNS=1 (or AUTHPROBE_PURE_PYTHON=1) collects with the Python loops."""
    for switch in ("AUTHPROBE_PURE_COLUMNS", "AUTHPROBE_PURE_PYTHON"):
        monkeypatch.setenv(switch, "1")
        assert LoadColumns()._fast is None
        assert SideIndex(SourceKind.SIS)._fast is None
        monkeypatch.delenv(switch)
    assert LoadColumns()._fast is not None
    assert SideIndex(SourceKind.SIS)._fast is not None


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(
                [
                    *"aZz09 -@.\t\n\r\x0b\x0c",
                    "\x1c",
                    "\x1f",
                    "\x85",
                    "\xa0",
                    "\u2003",
                    "İ",
                    "ß",
                    "Ǆ",
                ]
            ),
            max_size=6,
        ),
        max_size=30,
    )
)
def test_fold_is_strip_then_casefold(values: list[str]) -> None:
    """The C fold gives `value.strip().casefold()` for every value: ASCII and not, capitals,
    every kind of whitespace Python strips at either end."""
    assert fastpath.MODULE is not None
    assert fastpath.MODULE.fold(values) == [value.strip().casefold() for value in values]
