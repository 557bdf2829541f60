"""The pair discovery's C value sets (`_steps.c`, made while collecting) against Python's
normalisation steps and the polars sets (`CollectedSide.full_distinct`): the same values, the
same steps found to change nothing, the same plausible pairs."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authprobe.analysis.crosscheck import fullsets, kernels
from authprobe.analysis.crosscheck.columns import SEED, Chain
from authprobe.analysis.crosscheck.discovery import plausible_pairs
from authprobe.analysis.crosscheck.index import SideIndex
from authprobe.analysis.normalize import STEPS
from authprobe.model import Record, SourceKind

pytestmark = pytest.mark.skipif(
    fullsets.MODULE is None and os.environ.get("CI") != "true",
    reason="authprobe.analysis.crosscheck._steps was not built (no C compiler at install)",
)
C = fullsets.MODULE

# values that make every step act, and not act: edge whitespace (ASCII and not), capitals,
# scopes, leading zeros, digit runs, non-ASCII digits and letters that casefold to ASCII
_PIECES = (
    "a", "Z", "jdoe", "JDoe", "0", "00", "007", "1234", "12", "@", "@college.ca", "-", " ",
    "\t", "\x1c", "\x1f", "\x0b", "\xa0", "\u2003", "S-", "٣", "Ｘ", "K", "\u212a", "ß", "É",
    "x\x00y", "9",
)  # fmt: skip
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join) | st.text(max_size=12)
_ASCII = st.text(alphabet=[chr(c) for c in range(128)], max_size=14)


@pytest.fixture(autouse=True)
def _c_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests choose the path themselves: a user's switch does not apply."""
    monkeypatch.delenv("AUTHPROBE_PURE_STEPS", raising=False)
    monkeypatch.delenv("AUTHPROBE_PURE_PYTHON", raising=False)


@contextmanager
def pure() -> Iterator[None]:
    fullsets.FORCE_PURE = True
    try:
        yield
    finally:
        fullsets.FORCE_PURE = False


def _reference(value: str, mask: int) -> tuple[str, int]:
    """The steps of `mask`, in order, by Python's own definitions; and which changed `value`."""
    changed = 0
    for step, bit in fullsets.BITS.items():
        if mask & bit:
            new = STEPS[step](value)
            if new != value:
                changed |= bit
            value = new
    return value, changed


def _set(values: list[str], mask: int = fullsets.FULL_MASK):  # type: ignore[no-untyped-def]
    """The C set of `values` under `mask` (non-ASCII values: Python's full chain, or as they
    are when no step is asked)."""
    assert C is not None
    fallback = fullsets.python_full if mask else (lambda value: (value, 0))
    made = C.Normalised(mask, fallback)
    made.add(values)
    made.finish()
    return made


def _same_values(made, expected: list[str]) -> bool:  # type: ignore[no-untyped-def]
    """Whether the set `made` holds exactly the values `expected` (hashed by the same code)."""
    assert C is not None
    plain = _set(expected, 0)  # no step: the values as they are
    return len(made) == len(plain) == C.overlap(made, plain, len(made))


@settings(max_examples=500, deadline=None)
@given(_TEXT | _ASCII, st.integers(min_value=0, max_value=fullsets.FULL_MASK))
def test_each_value_normalised_as_python_does(value: str, mask: int) -> None:
    """Any value under any subset of the steps: the value Python's steps make, and the same
    steps reported as changing it (ASCII in C; the rest by the fallback, for the full mask)."""
    if not value.isascii() and mask != fullsets.FULL_MASK:
        return  # the fallback is Python's own full chain: only used with every step
    expected, changed = _reference(value, mask)
    made = _set([value], mask)
    assert _same_values(made, [expected])
    assert made.changed == changed


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, max_size=60))
def test_a_field_holds_its_distinct_normalised_values(values: list[str]) -> None:
    """A list of values: as many hashes as distinct normalised values, the same ones, and the
    union of the steps that changed something."""
    made = _set(values)
    expected = [fullsets.python_full(value) for value in values]
    assert _same_values(made, sorted({text for text, _ in expected}))
    changed = 0
    for _, mask in expected:
        changed |= mask
    assert made.changed == changed


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT | _ASCII, max_size=60), st.integers(min_value=0, max_value=60))
def test_a_text_column_gives_the_set_its_list_gives(values: list[str], cut: int) -> None:
    """The values of a polars column (read through the Arrow C stream, in one array or two):
    the same hashes, the same steps changed and the same count of values not ASCII as from
    the list of str."""
    assert C is not None
    from_list = _set(values)
    column = pl.concat(
        [pl.Series(values[:cut], dtype=pl.String), pl.Series(values[cut:], dtype=pl.String)],
        rechunk=False,
    )
    from_column = C.Normalised(fullsets.FULL_MASK, fullsets.python_full)
    from_column.add(column.__arrow_c_stream__())
    from_column.finish()
    assert len(from_column) == len(from_list)
    assert C.overlap(from_column, from_list, len(from_column)) == len(from_list)
    assert from_column.changed == from_list.changed
    assert from_column.non_ascii == from_list.non_ascii == sum(not v.isascii() for v in values)


def test_many_values_with_repeats_are_compacted_exactly() -> None:
    """Past the compaction threshold (sorting as the hashes grow): planted distinct values
    counted exactly, and overlaps between two fields counted exactly."""
    rng = random.Random(5)
    distinct = [f"U{n:07d}@college.ca" for n in range(90_000)]
    values = [rng.choice(distinct) for _ in range(200_000)] + distinct
    rng.shuffle(values)
    assert C is not None
    made = C.Normalised(fullsets.FULL_MASK, fullsets.python_full)
    for start in range(0, len(values), 50_000):  # as SideIndex flushes
        made.add(values[start : start + 50_000])
    assert made.finish() == 90_000
    shared = [f"  u{n:07d} " for n in range(0, 180_000, 2)]  # 45,000 of them in `distinct`
    other = _set(shared)
    assert C.overlap(other, made, len(other)) == 45_000
    assert C.overlap(made, other, len(made)) == 45_000
    sampled = C.overlap(other, made, 4096)  # the 4,096 smallest hashes: a uniform sample
    assert 1800 < sampled < 2300  # about half of them, as half of `shared` is in `made`
    assert C.overlap(other, other, 4096) == 4096
    assert C.overlap(other, made, 0) == 0


def test_distinct_values_then_repeats_are_counted_exactly() -> None:
    """A field whose first values are all distinct (its set stops sorting as it grows) and
    whose later values repeat them: each value counted once at finish."""
    assert C is not None
    distinct = [f"E{n:07d}" for n in range(100_000)]
    made = C.Normalised(fullsets.FULL_MASK, fullsets.python_full)
    for start in range(0, len(distinct), 10_000):  # past the first sort: mostly distinct
        made.add(distinct[start : start + 10_000])
    repeats = [distinct[n % 1000] for n in range(150_000)] + [" e0000001 "] * 30_000
    for start in range(0, len(repeats), 10_000):
        made.add(repeats[start : start + 10_000])
    assert len(made) == 280_000  # nothing dropped before finish
    assert made.finish() == 100_000
    assert _same_values(made, [fullsets.python_full(value)[0] for value in distinct])


def test_bad_use_is_an_error_not_a_crash() -> None:
    """Not a list of str, an unfinished set, a failing fallback: Python exceptions."""
    assert C is not None
    made = C.Normalised(fullsets.FULL_MASK, fullsets.python_full)
    with pytest.raises(TypeError):
        made.add(("a",))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        made.add([b"a"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="without nulls"):
        made.add(pl.Series(["a", None]).__arrow_c_stream__())
    with pytest.raises(TypeError, match="without nulls"):
        made.add(pl.Series([1, 2]).__arrow_c_stream__())
    with pytest.raises(ValueError, match="unknown step"):
        C.Normalised(64, fullsets.python_full)
    made.add(["x"])
    with pytest.raises(ValueError, match="not finished"):
        C.overlap(made, made, 1)

    def broken(value: str) -> tuple[str, int]:
        raise RuntimeError(value)

    failing = C.Normalised(fullsets.FULL_MASK, broken)
    failing.add(["ascii is done in C"])
    with pytest.raises(RuntimeError):
        failing.add(["Straße"])


_RECORD_VALUES = st.lists(_TEXT, max_size=3)


@st.composite
def _records(draw: st.DrawFn, names: tuple[str, ...], prefix: str) -> list[Record]:
    records = []
    for number in range(draw(st.integers(min_value=0, max_value=30))):
        attrs = {name: tuple(draw(_RECORD_VALUES)) for name in names if draw(st.booleans())}
        records.append(Record(f"{prefix}{number}", attrs, None))
    return records


def _sides(sis: list[Record], directory: list[Record]) -> tuple[SideIndex, SideIndex]:
    s, d = SideIndex(SourceKind.SIS), SideIndex(SourceKind.DIRECTORY)
    for record in sis:
        s.add(record)
    for record in directory:
        d.add(record)
    return s, d


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _records(("primary_id", "email", "identifier:NET_ID"), "s"),
    _records(("uid", "mail", "employeeNumber"), "d"),
)
def test_discovery_finds_the_pairs_polars_finds(sis: list[Record], directory: list[Record]) -> None:
    """The same plausible pairs, and the same steps known to change nothing, with the C sets
    as with the polars sets."""
    fast = _sides(sis, directory)
    assert all(len(f._full) == len(f.fields) for f in fast)  # a C set per field
    with pure():
        slow = _sides(sis, directory)
        assert not any(s._full for s in slow)
    assert plausible_pairs(*fast) == plausible_pairs(*slow)
    for mine, theirs in zip(fast, slow, strict=True):
        assert mine.final.unchanged == theirs.final.unchanged


def test_a_mix_of_kinds_falls_back_to_polars_for_both() -> None:
    """One side collected with C sets and the other without: both use polars (the two hash
    differently), and the pair is found."""
    values = [f"{n:06d}" for n in range(50)]
    sis = [Record(f"s{n}", {"primary_id": (v,)}, None) for n, v in enumerate(values)]
    directory = [Record(f"d{n}", {"employeeID": (f"00{v}",)}, None) for n, v in enumerate(values)]
    s = SideIndex(SourceKind.SIS)
    for record in sis:
        s.add(record)
    with pure():
        d = SideIndex(SourceKind.DIRECTORY)
        for record in directory:
            d.add(record)
    assert s.final._full_sets is not None
    assert plausible_pairs(s, d) == [("primary_id", "employeeID")]


def _ascii_rows(values: pl.Series) -> pl.Series:
    return values.str.len_bytes() == values.str.len_chars()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_TEXT | _ASCII, max_size=40),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(list(STEPS)),
)
def test_a_step_on_a_column_equals_python_and_the_polars_kernel(
    values: list[str], cut: int, step: str
) -> None:
    """Each step on a text column in two chunks (short values held inline, long ones in
    buffers): the ASCII values Python's step makes (and the polars kernel, the reference
    without C), `changed` when an ASCII value changed; non-ASCII values left as they were (the
    caller redoes them with Python's step)."""
    halves = pl.Series("v", values[:cut], pl.String), pl.Series("v", values[cut:], pl.String)
    column = pl.concat(halves, rechunk=False)
    found = fullsets.step_column(column, step)
    assert found is not None
    new, changed = found
    assert new.name == column.name
    assert new.len() == column.len()
    ascii_rows = _ascii_rows(column)
    ascii_values = column.filter(ascii_rows).to_list()
    expected = [STEPS[step](value) for value in ascii_values]
    assert new.filter(ascii_rows).to_list() == expected
    assert changed == (expected != ascii_values)
    assert new.filter(~ascii_rows).to_list() == column.filter(~ascii_rows).to_list()
    polars, _ = kernels.POLARS_STEPS[step](column)
    assert polars.filter(ascii_rows).to_list() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(_ASCII, max_size=30), st.integers(min_value=1, max_value=fullsets.FULL_MASK))
def test_several_steps_on_a_column_apply_in_order(values: list[str], mask: int) -> None:
    """A mask of several steps: each value as Python's steps make it, in their order, and the
    mask of the steps that changed some value."""
    assert C is not None
    found = C.step_column(pl.Series(values, dtype=pl.String).__arrow_c_stream__(), mask)
    assert found is not None
    capsule, changed = found
    expected = [_reference(value, mask) for value in values]
    new = values if capsule is None else fullsets.series_of(capsule).to_list()
    assert new == [value for value, _ in expected]
    union = 0
    for _, bits in expected:
        union |= bits
    assert changed == union
    assert (capsule is None) == (union == 0)


def test_a_step_column_keeps_values_either_side_of_twelve_bytes() -> None:
    """Views hold 12 bytes inline: values of 11 to 14 bytes before and after a step."""
    values = ["ABCDEFGHIJK", "ABCDEFGHIJKL", "ABCDEFGHIJKLM", "ABCDEFGHIJKLMN", "x@ABCDEFGHIJKLMN"]
    for step in STEPS:
        found = fullsets.step_column(pl.Series("v", values), step)
        assert found is not None
        assert found[0].to_list() == [STEPS[step](value) for value in values]
        again = fullsets.step_column(found[0], step)  # its own views read again: idempotent
        assert again is not None
        assert again[0].to_list() == found[0].to_list()
        assert again[1] is False


def test_a_step_column_leaves_what_it_cannot_take_to_polars() -> None:
    """Nulls or numbers: None (polars runs its kernel); a bad capsule or mask: an error, no
    crash."""
    assert C is not None
    with_null = pl.Series("v", ["12345", None, "a"])
    assert C.step_column(with_null.__arrow_c_stream__(), 16) is None
    assert C.step_column(pl.Series([1, 2]).__arrow_c_stream__(), 16) is None
    with pytest.raises(ValueError, match="PyCapsule"):
        C.step_column(object(), 16)
    with pytest.raises(ValueError, match="unknown step"):
        C.step_column(pl.Series(["a"]).__arrow_c_stream__(), 32)
    assert kernels.VECTOR_STEPS["digits-only"](with_null)[0].to_list() == ["12345", None, "a"]
    assert C.step_column(pl.Series([], dtype=pl.String).__arrow_c_stream__(), 31) == (None, 0)


_HASHES = st.lists(
    st.one_of(st.just(0), st.integers(0, 2**64 - 1), st.integers(0, 40)), max_size=80
)


@settings(max_examples=200, deadline=None)
@given(_HASHES, _HASHES, st.integers(min_value=0, max_value=80))
def test_a_hash_set_answers_as_is_in_does(held: list[int], asked: list[int], cut: int) -> None:
    """Any u64 values (0, repeats, the largest) held, any asked (in one array or two): the
    set's mask is polars' `is_in`, and it holds as many values as are distinct."""
    assert C is not None
    target = pl.Series(held, dtype=pl.UInt64)
    values = pl.concat(
        [pl.Series(asked[:cut], dtype=pl.UInt64), pl.Series(asked[cut:], dtype=pl.UInt64)],
        rechunk=False,
    )
    made = fullsets.hash_set(target)
    assert made is not None
    assert len(made) == len(set(held))
    assert fullsets.member(made, values).equals(values.is_in(target.implode()))


@settings(max_examples=200, deadline=None)
@given(_HASHES, st.integers(min_value=0, max_value=80), st.integers(min_value=0, max_value=5))
def test_sorted_runs_are_polars_sort_and_run_lengths(
    values: list[int], cut: int, skip: int
) -> None:
    """Any u64 values (0, repeats, the largest, bytes all alike), in two arrays, the first a
    slice (an offset into its buffer): sorted, each once, counted as polars' sort and `rle`
    count them."""
    first = pl.Series([7, 7, 7, 7, 7, *values[:cut]], dtype=pl.UInt64).slice(skip)
    hashes = pl.concat([first, pl.Series(values[cut:], dtype=pl.UInt64)], rechunk=False)
    found = fullsets.sorted_runs(hashes)
    assert found is not None
    runs = hashes.sort().rle()
    assert found[0].to_list() == runs.struct.field("value").to_list()
    assert found[1].to_list() == runs.struct.field("len").to_list()
    assert found[1].dtype == pl.UInt32


@settings(max_examples=200, deadline=None)
@given(_HASHES, _HASHES, st.integers(min_value=0, max_value=80))
def test_sorted_common_counts_the_shared_values(
    mine: list[int], theirs: list[int], cut: int
) -> None:
    """Two sorted distinct u64 columns (one in two arrays): how many values they share, and
    with weights the sum of the weights of `mine`'s shared values."""
    ours, other = sorted(set(mine)), sorted(set(theirs))
    column = pl.concat(
        [pl.Series(ours[:cut], dtype=pl.UInt64), pl.Series(ours[cut:], dtype=pl.UInt64)],
        rechunk=False,
    )
    weights = pl.Series([value % 7 + 1 for value in ours], dtype=pl.UInt32)
    target = pl.Series(other, dtype=pl.UInt64)
    shared = set(ours) & set(other)
    assert fullsets.sorted_common(column, target, None) == len(shared)
    assert fullsets.sorted_common(column, target, weights) == sum(v % 7 + 1 for v in shared)


def test_sorted_common_refuses_what_it_cannot_count() -> None:
    """Values out of order or repeated, weights not one a value, other types: an error."""
    assert C is not None
    sorted_values = pl.Series([1, 2, 3], dtype=pl.UInt64).__arrow_c_stream__
    for bad in ([2, 1, 3], [1, 1, 3]):
        with pytest.raises(ValueError, match="sorted and distinct"):
            C.sorted_common(
                pl.Series(bad, dtype=pl.UInt64).__arrow_c_stream__(), sorted_values(), None
            )
    with pytest.raises(ValueError, match="one weight a value"):
        C.sorted_common(
            sorted_values(), sorted_values(), pl.Series([1], dtype=pl.UInt32).__arrow_c_stream__()
        )
    with pytest.raises(TypeError, match="UInt64"):
        C.sorted_common(pl.Series(["a"]).__arrow_c_stream__(), sorted_values(), None)
    with pytest.raises(TypeError, match="UInt32"):
        C.sorted_common(sorted_values(), sorted_values(), sorted_values())


def test_a_chain_counts_its_holders_alike_with_and_without_c() -> None:
    """`Chain.counts`, `distinct` and `distinct_count` from the C sort equal polars'."""
    rng = random.Random(4)
    numbers = pl.Series(range(20_000), dtype=pl.UInt32)
    values = pl.Series([f"v{rng.randrange(7000)}" for _ in range(20_000)])
    made = Chain.of(numbers, values, multi=False)
    assert made.distinct_count() == values.n_unique()
    fullsets.FORCE_PURE = True
    try:
        plain = Chain.of(numbers, values, multi=False)
        assert plain.distinct_count() == values.n_unique()
        assert plain._counts is None  # polars counted without keeping them
        assert made.counts.equals(plain.counts)
        assert made.distinct.equals(plain.distinct)
    finally:
        fullsets.FORCE_PURE = False
    assert made.distinct.flags["SORTED_ASC"]


def test_a_chain_answers_the_same_every_time_it_is_asked() -> None:
    """`Chain.holds`: the C set's answer, made at the first question and kept, the same mask
    as polars' `is_in`; without the C module, polars' every time."""
    rng = random.Random(3)
    mine = Chain.of(
        pl.Series(range(5000), dtype=pl.UInt32),
        pl.Series([f"v{rng.randrange(8000)}" for _ in range(5000)]),
        multi=False,
    )
    asked = pl.Series([f"v{n}" for n in range(0, 9000, 3)]).hash(SEED)
    expected = asked.is_in(mine.frame["h"].implode())
    assert 0 < expected.sum() < asked.len()
    for _ in range(3):
        assert mine.holds(asked).equals(expected)
    assert mine._set is not None  # the C set answered
    fullsets.FORCE_PURE = True
    try:
        plain = Chain.of(mine.frame["r"], pl.Series([f"v{n}" for n in range(5000)]), multi=False)
        plain.holds(asked)
        assert plain.holds(asked).equals(asked.is_in(plain.frame["h"].implode()))
        assert plain._set is None
    finally:
        fullsets.FORCE_PURE = False


def test_the_rows_another_chain_holds_are_found_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Chain.rows_held` asked again of the same two chains: the rows found the first time,
    without asking the other chain again; another chain is asked afresh."""
    mine = Chain.of(pl.Series(range(6), dtype=pl.UInt32), pl.Series(list("abcdef")), multi=False)
    theirs = Chain.of(pl.Series(range(3), dtype=pl.UInt32), pl.Series(list("bdz")), multi=False)
    other = Chain.of(pl.Series(range(2), dtype=pl.UInt32), pl.Series(list("af")), multi=False)
    asked: list[int] = []
    holds = Chain.holds
    monkeypatch.setattr(Chain, "holds", lambda self, h: asked.append(self.serial) or holds(self, h))
    for _ in range(3):
        assert mine.rows_held(theirs)["r"].to_list() == [1, 3]
    assert mine.rows_held(other)["r"].to_list() == [0, 5]
    assert asked == [theirs.serial, other.serial]


def test_a_hash_set_refuses_what_it_cannot_read() -> None:
    """Not u64, or with nulls: a TypeError, not a crash."""
    assert C is not None
    with pytest.raises(TypeError, match="UInt64"):
        C.HashSet(pl.Series([1, 2], dtype=pl.Int64).__arrow_c_stream__())
    made = C.HashSet(pl.Series([1, 2], dtype=pl.UInt64).__arrow_c_stream__())
    with pytest.raises(TypeError, match="UInt64"):
        made.mask(pl.Series([1, None], dtype=pl.UInt64).__arrow_c_stream__())
