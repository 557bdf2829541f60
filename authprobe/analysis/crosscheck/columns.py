"""The column store of the cross-check: record numbers, values and their hashes in polars.

Every frame here has some of four columns, named once: `RECORD` (the record's number in
reading order, u32), `VALUE` (a text value), `HASH` (the 64-bit hash of a normalised value) and
`HOLDERS` (how many distinct records hold a hash).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, TypeVar

import polars as pl

from authprobe.analysis.crosscheck import fullsets

if TYPE_CHECKING:
    from authprobe.analysis.crosscheck._steps import HashSet

RECORD = "r"
HASH = "h"
VALUE = "v"
HOLDERS = "n"
SEED = 0x5EED
"""The seed of every value hash (the same on both sides, so equal values hash alike)."""

_SERIALS = count()
_SeriesOrExpr = TypeVar("_SeriesOrExpr", pl.Series, pl.Expr)


def isin(values: _SeriesOrExpr, other: pl.Series) -> _SeriesOrExpr:
    """Whether each value is one of `other`'s."""
    return values.is_in(other.implode())


@dataclass(slots=True)
class Column:
    """One field of one source, finalised."""

    numbers: pl.Series  # u32 record number per value
    values: pl.Series  # raw text per value
    multi: pl.Series  # u32 record numbers holding several distinct values
    odd_rows: pl.Series  # rows whose value is not ASCII (normalised by Python)
    odd_values: list[str]


@dataclass(slots=True)
class Chain:
    """One field under one normalisation: (record, hash) rows, deduplicated per record."""

    frame: pl.DataFrame
    multi: bool
    _counts: pl.DataFrame | None = None
    _distinct: pl.Series | None = None
    serial: int = field(default_factory=lambda: next(_SERIALS))
    """Unique for the process (unlike `id`, never reused): the key of cached measures."""
    _set: HashSet | None = None
    _held: dict[int, pl.Series] = field(default_factory=dict)
    """Per other chain (by serial), which of this chain's rows it holds: a bit a row, kept
    (the same question comes from the measures, the unmatched reasons and the masks of the
    other attributes; a third of the questions at 1 M x 1 M were asked before)."""

    @classmethod
    def of(cls, numbers: pl.Series, values: pl.Series, multi: bool) -> Chain:
        """The chain of these values (hashed), one row per distinct (record, hash)."""
        frame = pl.DataFrame({RECORD: numbers, HASH: values.hash(SEED)})
        if multi:  # one row per (record, hash), found by sorting (a two-column `unique` or
            # `group_by` holds hundreds of MB per million rows; these stay near the data)
            frame = frame.sort(RECORD, HASH)
            new = (pl.col(RECORD) != pl.col(RECORD).shift()) | (
                pl.col(HASH) != pl.col(HASH).shift()
            )
            frame = frame.filter(new.fill_null(True))
        return cls(frame, multi)

    @property
    def counts(self) -> pl.DataFrame:
        """hash -> number of distinct records holding it (sorted by hash)."""
        if self._counts is None:
            runs = fullsets.sorted_runs(self.frame[HASH])  # a C radix sort: half polars' CPU
            if runs is None:
                found = self.frame[HASH].sort().rle()
                runs = found.struct.field("value"), found.struct.field("len").cast(pl.UInt32)
            hashes, holders = runs
            # sorted: joins merge
            self._counts = pl.DataFrame({HASH: hashes.set_sorted(), HOLDERS: holders})
        return self._counts

    @property
    def distinct(self) -> pl.Series:
        """The distinct hashes, sorted."""
        if self._distinct is None:
            if self._counts is not None or fullsets.enabled():  # one C sort gives both
                hashes = self.counts[HASH]
            else:
                hashes = self.frame[HASH].unique().sort()
            self._distinct = hashes.set_sorted()
        return self._distinct

    def holds(self, hashes: pl.Series) -> pl.Series:
        """Whether each of `hashes` is one of this chain's (a mask). A chain is asked again
        and again (each pair's measures, unmatched reasons, other attributes): its hashes are
        kept in a C set made at the first question (`fullsets.hash_set`; about 16 bytes a
        value, let go with the chain), which answers in a third of the time polars' `is_in`
        takes, as that builds its set of a million hashes at every call."""
        # the distinct hashes when known, else all of them (no sort just for this question)
        mine = self._distinct if self._distinct is not None else self.frame[HASH]
        if self._set is None:
            self._set = fullsets.hash_set(mine)
        if self._set is None:  # no C module: polars
            return hashes.is_in(mine.implode())
        return fullsets.member(self._set, hashes)

    def held_by(self, theirs: Chain) -> pl.Series:
        """Per row of this chain, whether `theirs` holds its hash (kept: a bit a row)."""
        held = self._held.get(theirs.serial)
        if held is None:
            held = self._held[theirs.serial] = theirs.holds(self.frame[HASH])
        return held

    def rows_held(self, theirs: Chain) -> pl.DataFrame:
        """This chain's rows whose hash `theirs` holds."""
        return self.frame.filter(self.held_by(theirs))

    def distinct_count(self) -> int:
        """How many distinct values (known, or counted: by the C sort, kept; by polars, without
        keeping them: memory)."""
        if self._distinct is not None:
            return self._distinct.len()
        if self._counts is not None or fullsets.enabled():
            return self.counts.height
        return self.frame[HASH].n_unique()


@dataclass(slots=True)
class NormalisedValues:
    """One field's values after some steps: the polars values, the non-ASCII ones as Python
    normalised them, and the chain of their hashes (made when first asked for)."""

    values: pl.Series
    odd: list[str]
    column: Column
    _chain: Chain | None = None

    @property
    def chain(self) -> Chain:
        """The values' (record, hash) rows."""
        if self._chain is None:
            column = self.column
            self._chain = Chain.of(column.numbers, self.values, column.multi.len() > 0)
        return self._chain

    def keep_chain(self, chain: Chain) -> None:
        """Use `chain` (the same values, already hashed) as these values' chain."""
        self._chain = chain


def frame(numbers: list[int], texts: list[str]) -> pl.DataFrame:
    """(record, value) rows from two Python lists."""
    return pl.DataFrame(
        {RECORD: pl.Series(numbers, dtype=pl.UInt32), VALUE: pl.Series(texts, dtype=pl.String)}
    )


def concat(chunks: list[pl.DataFrame]) -> pl.DataFrame:
    """(record, value) chunks as one frame (not copied: `rechunk=False`)."""
    if not chunks:
        return pl.DataFrame(schema={RECORD: pl.UInt32, VALUE: pl.String})
    return pl.concat(chunks, rechunk=False)


def series(chunks: list[pl.Series]) -> pl.Series:
    """Text chunks as one series (not copied)."""
    if not chunks:
        return pl.Series([], dtype=pl.String)
    return pl.concat(chunks, rechunk=False)
