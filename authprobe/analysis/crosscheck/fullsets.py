"""The normalisation steps in C (`_steps.c`): the pair discovery's value sets, made while the
records are collected, the steps on whole columns, and sets of value hashes for
membership tests (`hash_set`, `member`).

Pair discovery compares every field's values once every normalisation step is applied. With the
C module built, each value is normalised and hashed as its field's lists are moved into polars
(`SideIndex._flush`), so discovery needs no pass over the columns; without it (or with
`AUTHPROBE_PURE_STEPS=1`, or `AUTHPROBE_PURE_PYTHON=1`), `CollectedSide.full_distinct`
does the same in polars, the reference the C sets are tested against
(tests/unit/test_steps_c.py). The two hash differently, so a discovery uses one kind of
set for every field of both sides, never a mix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from authprobe.analysis.normalize import STEPS
from authprobe.runtime import native

if TYPE_CHECKING:
    from authprobe.analysis.crosscheck._steps import HashSet, Normalised

MODULE = native.load("authprobe.analysis.crosscheck._steps")
"""`authprobe.analysis.crosscheck._steps`, or None when it was not built."""
FORCE_PURE = False
"""Set by tests to collect without the C sets."""
BITS: dict[str, int] = {step: 1 << index for index, step in enumerate(STEPS)}
"""Each step's bit in the C module's masks, in the order the steps are applied."""
FULL_MASK = sum(BITS.values())


def python_full(value: str) -> tuple[str, int]:
    """`value` under every step (Python's own, for the values the C code leaves: not ASCII),
    and the mask of the steps that changed it."""
    changed = 0
    for step, bit in BITS.items():
        new = STEPS[step](value)
        if new != value:
            changed |= bit
            value = new
    return value, changed


def enabled() -> bool:
    """Whether the C module is there and may be used."""
    return MODULE is not None and not FORCE_PURE and not native.pure("AUTHPROBE_PURE_STEPS")


def new_set() -> Normalised | None:
    """An empty C set for one field, or None when the C module is not used."""
    if MODULE is None or not enabled():
        return None
    made: Normalised = MODULE.Normalised(FULL_MASK, python_full)
    return made


def unchanged(changed: int) -> list[tuple[tuple[str, ...], str]]:
    """(effective steps before, step) for each step that changed no value, as
    `CollectedSide.full_distinct` records them: the steps that did change something are the
    effective steps of those after them."""
    effective: tuple[str, ...] = ()
    found = []
    for step, bit in BITS.items():
        if changed & bit:
            effective = (*effective, step)
        else:
            found.append((effective, step))
    return found


def count_in(small: pl.Series | Normalised, large: pl.Series | Normalised, limit: int) -> int:
    """How many of the first `limit` of `small`'s sorted distinct hashes `large` holds (both
    of one kind)."""
    if isinstance(small, pl.Series):
        assert isinstance(large, pl.Series)
        head = small.head(limit)
        if not head.len() or not large.len():
            return 0
        at = large.search_sorted(head).clip(0, large.len() - 1)
        return int((large.gather(at) == head).sum())
    assert MODULE is not None
    assert not isinstance(large, pl.Series)
    hits: int = MODULE.overlap(small, large, limit)
    return hits


class _Stream:
    """A column made in C, handed to polars through the Arrow C stream interface."""

    def __init__(self, capsule: object) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._capsule


def series_of(capsule: object) -> pl.Series:
    """The column in an Arrow C stream capsule made in C (`_steps`, `_columns`), as polars
    takes it."""
    return pl.Series(_Stream(capsule))


def hash_set(hashes: pl.Series) -> HashSet | None:
    """A C set of these u64 hashes for membership tests (`member`), or None when the C module
    is not used."""
    if MODULE is None or not enabled():
        return None
    made: HashSet = MODULE.HashSet(hashes.__arrow_c_stream__())
    return made


def member(held: HashSet, hashes: pl.Series) -> pl.Series:
    """Whether each of `hashes` is in the set `held` (a mask, as `hashes.is_in(...)` is)."""
    return series_of(held.mask(hashes.__arrow_c_stream__()))


def sorted_runs(hashes: pl.Series) -> tuple[pl.Series, pl.Series] | None:
    """These u64 hashes sorted, each once, and how many times each came (u32), by one C radix
    sort; None when the C module is not used."""
    if MODULE is None or not enabled():
        return None
    distinct, holders = MODULE.sorted_runs(hashes.__arrow_c_stream__())
    return series_of(distinct), series_of(holders)


def distinct_count(hashes: pl.Series) -> int:
    """How many distinct u64 hashes: by the C radix sort when the module is used (a third of
    polars' CPU at a million), else polars' `n_unique`."""
    found = sorted_runs(hashes)
    return found[0].len() if found is not None else hashes.n_unique()


def sorted_common(mine: pl.Series, theirs: pl.Series, weights: pl.Series | None) -> int | None:
    """How many of `mine`'s hashes `theirs` holds (both sorted and distinct: `Chain.distinct`),
    each counted by its weight (u32, beside `mine`) when given: one merge in C; None when the
    C module is not used."""
    if MODULE is None or not enabled():
        return None
    stream = None if weights is None else weights.__arrow_c_stream__()
    found: int = MODULE.sorted_common(
        mine.__arrow_c_stream__(), theirs.__arrow_c_stream__(), stream
    )
    return found


def step_column(values: pl.Series, step: str) -> tuple[pl.Series, bool] | None:
    """One step's kernel (`kernels.VECTOR_STEPS`) in C: the new values, the non-ASCII ones left
    as they were (the caller redoes them with Python's own step), and whether an ASCII value
    changed; None when the C module is not used or cannot take the column (nulls)."""
    if MODULE is None or not enabled():
        return None
    found = MODULE.step_column(values.__arrow_c_stream__(), BITS[step])
    if found is None:
        return None
    capsule, changed = found
    if capsule is None:
        return values, False
    return series_of(capsule).alias(values.name), bool(changed)
