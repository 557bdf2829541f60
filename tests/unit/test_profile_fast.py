"""The C accelerator of the field profiles (`_profile`) gives exactly what the Python code gives.

`analysis/profile.py` is the reference: records profiled with `_FAST` set and unset must give
equal `FieldProfile`s (examples and their order included) and equal value counts in the same
first-seen order; `value_shape` / `_clean_shape` in C equal the Python functions on every ASCII
str; `shape_counts` equals `shapes.summed_shapes` on any counts, non-ASCII values included.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from authprobe.analysis import profile, shapes
from authprobe.model import FieldProfile, Record, SourceKind

_profile = pytest.importorskip(
    "authprobe.analysis._profile",
    reason="the C accelerator of the profiles is not built (no C compiler at install)",
)

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"


class Text(str):
    """A str subclass: the C code must leave it to Python."""

    __slots__ = ()


@contextmanager
def _mode(fast: bool) -> Iterator[None]:
    """Run the block with the C accelerator on (`fast`) or off."""
    saved = profile._FAST
    profile._FAST = _profile if fast else None
    try:
        yield
    finally:
        profile._FAST = saved


State = tuple[int, list[tuple[str, list[tuple[str, int]], int, int]], list[FieldProfile]]


def _profiled(attrs_list: Sequence[Mapping[str, Any]], *, fast: bool) -> State:
    """Records count, every field's counts (in order) with its multi/extra, and the profiles."""
    with _mode(fast):
        profiler = profile.SourceProfiler(SourceKind.SIS)
        for number, attrs in enumerate(attrs_list):
            profiler.add(Record(ref=str(number), attrs=attrs))
        state = [
            (name, list(f.counts.items()), f._multi, f._extra)
            for name, f in profiler.fields.items()
        ]
        return profiler.records, state, profiler.result()


def _same(attrs_list: Sequence[Mapping[str, Any]]) -> State:
    expected = _profiled(attrs_list, fast=False)
    assert _profiled(attrs_list, fast=True) == expected
    return expected


_ASCII = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=50)
_PRINTABLE = st.text(alphabet=string.printable, max_size=60)
_SPECIAL = st.one_of(
    st.from_regex(r"\A0[0-9]{0,12}\Z"),  # digits with a leading zero
    st.from_regex(r"\A[0-9]{1,12}\Z"),
    st.from_regex(r"\A[a-zA-Z0-9._%+@-]{0,10}@[a-zA-Z0-9.-]{0,10}\Z"),  # emails, odd ones too
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.from_regex(r"\AS-1-[0-9]{1,3}(-[0-9]{1,10}){1,5}-?\n?\Z"),  # SIDs, nearly SIDs
    st.from_regex(r"\A[a-zA-Z]{1,12}[-_.:;!~=]{0,3}[a-zA-Z0-9]{0,5}\Z"),
    st.from_regex(
        r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\n?\Z"
    ),
    st.text(alphabet=string.printable, min_size=100, max_size=400),  # very long values
)
_VALUE = st.one_of(
    st.sampled_from(["a1", "A1", "a1 ", "", " ", "0123", "Zoë", "x@y.org", "X@Y.ORG", "é", "İ"]),
    _SPECIAL,
    _ASCII,
    st.text(max_size=10),  # any unicode
)
_VALUES = st.one_of(
    st.lists(_VALUE, max_size=4).map(tuple),
    st.lists(st.sampled_from(["m", "M", "n"]), min_size=2, max_size=6).map(tuple),  # repeats
    st.lists(_VALUE, min_size=33, max_size=40).map(tuple),  # past the C multi-valued limit
    st.lists(_VALUE, max_size=3),  # a list, not a tuple
    st.lists(_VALUE.map(Text), min_size=1, max_size=2).map(tuple),  # a str subclass
)
_NAMES = st.one_of(st.sampled_from(["uid", "mail", "cn", "Mail", "ou"]), st.text(max_size=4))
_ATTRS = st.dictionaries(_NAMES, _VALUES, max_size=8)


@given(st.lists(_ATTRS, max_size=25))
@settings(max_examples=300, deadline=None)
@example([{"uid": ("a",)}, {"uid": ("a", "a")}, {"uid": ("b", "a", "b")}, {"uid": ()}])
@example([{"x": ("1",), "y": ["2"]}, {"y": ("2", "3"), "z": (Text("1"),)}, {"x": ("1",) * 40}])
def test_c_and_python_profile_records_alike(attrs_list: list[dict[str, Any]]) -> None:
    """Random records (multi-valued, repeated, empty, unicode, case variants, odd types) give
    the same counts in the same order and the same profiles on both paths."""
    _same(attrs_list)


@given(st.lists(st.dictionaries(st.sampled_from("abc"), st.just(("v", "V")), max_size=3)))
@settings(max_examples=50, deadline=None)
def test_a_read_only_mapping_is_left_to_python(attrs_list: list[dict[str, Any]]) -> None:
    """attrs that are not a plain dict (a mappingproxy) are profiled all the same."""
    _same([MappingProxyType(attrs) for attrs in attrs_list])


def test_many_fields_keep_their_first_seen_order() -> None:
    """Fields first seen late, values first seen late: the dict orders of both paths agree."""
    records = [{f"f{j}": (f"v{(i * j) % 7}",) for j in range(i % 40)} for i in range(200)]
    _records, state, profiles = _same(records)
    assert [name for name, *_ in state][:3] == ["f0", "f1", "f2"]
    assert len(profiles) == 39


def test_huge_counts_add_like_python() -> None:
    """Counts past 64 bits (set by hand) still grow by exactly one."""
    with _mode(True):
        profiler = profile.SourceProfiler(SourceKind.SIS)
        profiler.add(Record("1", {"uid": ("a",)}))
        profiler.fields["uid"].counts["a"] = 2**70
        profiler.add(Record("2", {"uid": ("a", "b")}))
        assert profiler.fields["uid"].counts == {"a": 2**70 + 1, "b": 1}
        assert profiler.fields["uid"]._multi == 1


def _each(start: dict[str, int], batches: list[list[str]], *, fast: bool) -> State:
    """`add_each` of every batch (a list, or a generator for odd batches) on a field that
    already holds `start`."""
    with _mode(fast):
        field = profile.FieldProfiler(SourceKind.DIRECTORY, "uid")
        field.counts = dict(start)
        for number, batch in enumerate(batches):
            field.add_each(batch if number % 2 == 0 else (value for value in batch))
        return 0, [("uid", list(field.counts.items()), 0, 0)], [field.result(len(batches))]


@given(
    st.dictionaries(_VALUE, st.integers(min_value=1, max_value=2**64), max_size=5),
    st.lists(st.lists(st.one_of(_VALUE, _VALUE.map(Text)), max_size=12), max_size=5),
)
@settings(max_examples=300, deadline=None)
def test_add_each_counts_like_python(start: dict[str, int], batches: list[list[str]]) -> None:
    """Records of one value each counted in bulk (the live LDAP scan): C == Python, in order."""
    assert _each(start, batches, fast=True) == _each(start, batches, fast=False)


def test_add_each_leaves_a_dict_subclass_to_python() -> None:
    """Counts that are not a plain dict are not touched by C (it says so: False)."""

    class Counts(dict[str, int]):
        pass

    counts = Counts(a=1)
    assert _profile.add_each(counts, ["a", "b"]) is False
    assert counts == {"a": 1}
    assert _profile.add_each(plain := {"a": 1}, ["a", "b", "a"]) is True
    assert list(plain.items()) == [("a", 3), ("b", 1)]


@given(_ASCII | _PRINTABLE | _SPECIAL)
@settings(max_examples=2000, deadline=None)
@example("")
@example("S-1-5-21-1\n")
@example("01234567-89ab-cdef-0123-456789ABCDEF\n")
@example("a@b.c@d")
@example("@x.org")
@example("x@")
@example("!" * 60 + "\x7f\x00")
def test_c_shapes_equal_python_shapes_on_ascii(value: str) -> None:
    """`_clean_shape` and `value_shape` in C equal the Python functions on every ASCII str."""
    assert _profile.clean_shape(value) == shapes.clean_shape(value)
    assert _profile.value_shape(value) == shapes.value_shape(value)


@pytest.mark.parametrize("value", ["é", Text("a"), "a\u2028"])
def test_c_shapes_refuse_what_they_do_not_shape(value: str) -> None:
    """A non-ASCII str or a str subclass is refused (ValueError), never shaped approximately."""
    with pytest.raises(ValueError, match="ASCII"):
        _profile.clean_shape(value)
    with pytest.raises(ValueError, match="ASCII"):
        _profile.value_shape(value)


def _shapes_both(counts: dict[str, int]) -> None:
    joined = "\x01".join(counts)
    single = all(count == 1 for count in counts.values())
    summed, awkward, shortest, longest = shapes.summed_shapes(counts, joined, single)
    expected = (dict(summed), awkward, shortest, longest, shapes.may_fold(joined))
    assert _profile.shape_counts(counts, shapes.shape_awkward) == expected


@given(st.dictionaries(_VALUE, st.integers(min_value=1, max_value=2**65), max_size=30))
@settings(max_examples=500, deadline=None)
@example({})
@example({"": 2, " ": 1, "a b": 3, "x/y": 1, "50%": 1, "é": 4})
def test_shape_counts_equal_python(counts: dict[str, int]) -> None:
    """Shapes summed by records, awkward records, lengths and the casefold hint: C == Python."""
    _shapes_both(counts)


def test_every_ascii_character_is_awkward_alike() -> None:
    """C's awkward characters are exactly those `AWKWARD` matches (whitespace, / ? # %)."""
    for code in range(128):
        _shapes_both({chr(code): 1, f"a{chr(code)}b": 2})


def _corpus_values() -> list[str]:
    """Every line and every word of the corpus files, as read (text only)."""
    values: list[str] = []
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for line in text.splitlines():
                values.append(line)
                values.extend(line.split())
                values.extend(line.partition(": ")[2:])  # LDIF values
    return values


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_corpus_values_shaped_alike() -> None:
    """The corpus' lines and words: C shapes equal Python shapes, one by one and counted."""
    values = _corpus_values()
    assert len(values) > 10_000
    for value in values:
        if value.isascii():
            assert _profile.value_shape(value) == shapes.value_shape(value), value
            if value and not shapes.has_awkward(value):
                assert _profile.clean_shape(value) == shapes.clean_shape(value), value
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    _shapes_both(counts)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_corpus_ldif_entries_profiled_alike() -> None:
    """Every entry of the corpus' LDIF files, as records of words: the same profiles."""
    records = []
    for path in sorted((CORPUS / "ldap").glob("*.ldif")):
        attrs: dict[str, list[str]] = {}
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            name, sep, value = line.partition(": ")
            if not line.strip():
                if attrs:
                    records.append({k: tuple(v) for k, v in attrs.items()})
                attrs = {}
            elif sep:
                attrs.setdefault(name, []).append(value)
    assert len(records) > 50
    _same(records)


def test_the_switch_turns_c_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """AUTHPROBE_PURE_PROFILE=1 (or AUTHPROBE_PURE_PYTHON=1: every C path) leaves only the
    Python code; without either the C module is used."""
    monkeypatch.delenv("AUTHPROBE_PURE_PROFILE", raising=False)
    monkeypatch.delenv("AUTHPROBE_PURE_PYTHON", raising=False)
    assert profile._load_fast() is _profile
    monkeypatch.setenv("AUTHPROBE_PURE_PYTHON", "1")
    assert profile._load_fast() is None
    monkeypatch.delenv("AUTHPROBE_PURE_PYTHON")
    monkeypatch.setenv("AUTHPROBE_PURE_PROFILE", "1")
    assert profile._load_fast() is None
