"""Field profiles made from the cross-check's columns, not counted again record by record.

`recommend` collects every identifier attribute of the directory into columns for the
cross-check (`crosscheck.SideIndex`: one (record, value) row per distinct value of a record).
Counting the same values a second time into a profile (a dict of every distinct value: about
100 bytes a value, 1 GB for a million people) doubled what the run holds; instead, the
directory's `SourceProfiler` leaves those fields to the columns (`elsewhere`), and
`column_profile` makes their profiles from them: the same `FieldProfile` as
`FieldProfiler.result` of the same values.

The distinct values and their counts come from polars (a column whose value hashes are all
different holds no value twice: no grouping needed), their shapes from `_profile.shape_column`
(C, over the column's Arrow buffers). Without the C module, the values are counted into a
`FieldProfiler` and frozen as any other (the reference the tests hold this to).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

import polars as pl

from authprobe.analysis import profile
from authprobe.analysis.crosscheck.columns import SEED, Column
from authprobe.analysis.crosscheck.kernels import casefold_series
from authprobe.analysis.profile import (
    MAX_EXAMPLES,
    FieldProfiler,
    SourceProfiler,
    frozen_profile,
)
from authprobe.analysis.shapes import Summary, shape_awkward
from authprobe.model import FieldProfile, SourceKind
from authprobe.runtime.progress import Wrap, no_wrap

_VALUE = "value"
_COUNT = "count"
_KEY = "key"


def column_profile(source: SourceKind, field: str, records: int, column: Column) -> FieldProfile:
    """The profile of `field` from its column (`records`: all records of the source)."""
    values = column.values
    if profile._FAST is None or not values.len():  # counted and frozen the Python way
        return _counted(source, field, records, column)
    distinct, counts = _distinct(values)
    summary = _summary(profile._FAST, distinct, counts)
    if summary is None:  # a column the C code does not take: the Python way too
        return _counted(source, field, records, column)
    duplicates = (0, 0)
    if counts is not None:
        repeated = counts.filter(counts > 1)
        duplicates = (repeated.len(), int(repeated.sum()))
    collisions = _collisions(distinct, counts) if summary[4] else (0, 0)
    return frozen_profile(
        source,
        field,
        (records, column.numbers.n_unique(), column.multi.len(), distinct.len()),
        (*duplicates, *collisions),
        summary,
        tuple(distinct.head(MAX_EXAMPLES).to_list()),
    )


def _distinct(values: pl.Series) -> tuple[pl.Series, pl.Series | None]:
    """The distinct values in first-seen order, and how many rows hold each (None: one each)."""
    if values.hash(SEED).n_unique() == values.len():  # all hashes differ: all values do
        return values, None
    grouped = values.alias(_VALUE).to_frame().group_by(_VALUE, maintain_order=True).len(_COUNT)
    return grouped[_VALUE], grouped[_COUNT]


def _summary(fast: ModuleType, distinct: pl.Series, counts: pl.Series | None) -> Summary | None:
    """`FieldProfiler.summary` of these values, by the C module `fast`; None when it does not
    take them."""
    stream = None if counts is None else counts.cast(pl.UInt32).__arrow_c_stream__()
    summary: Summary | None = fast.shape_column(
        distinct.__arrow_c_stream__(), stream, shape_awkward
    )
    return summary


def _collisions(distinct: pl.Series, counts: pl.Series | None) -> tuple[int, int]:
    """Distinct values that equal another once casefolded (in groups), and their records."""
    keys = casefold_series(distinct)
    if keys.n_unique() == distinct.len():
        return 0, 0
    held = (
        pl.repeat(1, distinct.len(), dtype=pl.UInt64, eager=True)
        if counts is None
        else counts.cast(pl.UInt64)
    )
    groups = (
        pl.DataFrame({_KEY: keys, _COUNT: held})
        .group_by(_KEY)
        .agg(pl.len().alias(_VALUE), pl.col(_COUNT).sum())
        .filter(pl.col(_VALUE) > 1)
    )
    return groups.height, int(groups[_COUNT].sum())


def _counted(source: SourceKind, field: str, records: int, column: Column) -> FieldProfile:
    """The reference: the column's values counted into a `FieldProfiler`, frozen."""
    profiler = FieldProfiler(source, field)
    profiler.add_each(column.values.to_list())  # one row per distinct value of a record
    profiler.note_records(column.numbers.n_unique(), column.multi.len())
    return profiler.result(records)


def column_profiles(
    profiler: SourceProfiler, columns: dict[str, Column], wrap: Wrap = no_wrap
) -> dict[str, FieldProfile]:
    """The profiles of the fields `profiler` left to the columns (`elsewhere`), made from
    their `columns` (`wrap` sees each: progress)."""
    left = profiler.elsewhere
    return {
        name: column_profile(profiler.source, name, profiler.records, columns[name])
        for name in wrap(left, f"profiling {profiler.source.value} attributes", len(left))
    }


def profiles(
    profiler: SourceProfiler, counted: Iterable[FieldProfile], made: dict[str, FieldProfile]
) -> list[FieldProfile]:
    """Every field's profile in first-seen order: those `profiler` counted (`counted`, frozen)
    and those made from the columns (`made`, `column_profiles`)."""
    frozen = {found.field: found for found in counted}
    return [frozen[name] if name in frozen else made[name] for name in profiler.names]
