"""Identifiers shared between SIS fields: a value one field holds and another field holds too
(Alma rejects such a value at load)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from authprobe.analysis.crosscheck import fullsets
from authprobe.analysis.crosscheck.index import SideIndex
from authprobe.analysis.crosscheck.kernels import casefold_series

Hashes = dict[str, list[tuple[pl.Series, pl.Series]]]
"""field -> (record numbers across all sides, value hashes after casefold), one pair per side."""


@dataclass(frozen=True, slots=True)
class SharedIdentifier:
    """Records whose value of `field` is also a value of another identifier field."""

    field: str
    records: int
    other_fields: tuple[str, ...]
    examples: tuple[str, ...]  # record references


def _identifier_hashes(
    sides: Sequence[SideIndex], is_identifier: Callable[[str], bool]
) -> tuple[Hashes, list[pl.Series]]:
    """Every identifier field's values (after casefold) hashed, numbered across the sides, and
    each side's references."""
    hashes: Hashes = {}
    refs: list[pl.Series] = []
    offset = 0
    for side in sides:
        final = side.final
        for name, column in final.columns.items():
            if is_identifier(name):
                values = casefold_series(column.values)  # the same values when none changes
                numbers = column.numbers  # the column's own (u32) when there is one side
                if len(sides) > 1:
                    numbers = numbers.cast(pl.UInt64) + offset
                hashes.setdefault(name, []).append((numbers, values.hash()))
        refs.append(final.refs)
        offset += side.records
    return hashes, refs


def shared_identifiers(
    sides: Sequence[SideIndex], is_identifier: Callable[[str], bool], examples: int = 3
) -> list[SharedIdentifier]:
    """Values (after casefold) that two identifier fields hold, on one user or two.

    Alma requires every identifier to be unique across all users and all identifier fields
    together; a value used by two users in the *same* field is the duplicate-value finding."""
    hashes, refs = _identifier_hashes(sides, is_identifier)
    if len(hashes) < 2:
        return []
    # a value shared between fields is in two fields' sets of distinct values: found next to
    # itself once all the sets are sorted together (no hash table of every value: memory)
    ordered = pl.concat([_distinct(pl.concat([h for _, h in parts])) for parts in hashes.values()])
    ordered = ordered.sort()
    shared = ordered.filter(ordered == ordered.shift(1)).unique()
    del ordered
    if shared.is_empty():
        return []
    held: dict[str, pl.Series] = {}  # field -> its shared hashes
    for name, parts in hashes.items():
        found_numbers = pl.concat(
            [numbers.filter(h.is_in(shared.implode())) for numbers, h in parts]
        )
        if found_numbers.len():
            held[name] = found_numbers
    all_refs = pl.concat(refs)
    found = []
    for name in sorted(held):
        mine = pl.concat([h for _, h in hashes[name]])
        mine = mine.filter(mine.is_in(shared.implode())).unique()
        others = [
            other
            for other in sorted(held)
            if other != name
            and pl.concat([h for _, h in hashes[other]]).is_in(mine.implode()).any()
        ]
        numbers = held[name].unique().sort()
        found.append(
            SharedIdentifier(
                field=name,
                records=numbers.len(),
                other_fields=tuple(others),
                examples=tuple(all_refs.gather(numbers.head(examples)).to_list()),
            )
        )
    return found


def _distinct(hashes: pl.Series) -> pl.Series:
    """Each hash once: by the C radix sort when it was built (a third of polars' CPU), else
    polars' `unique`."""
    found = fullsets.sorted_runs(hashes)
    return found[0] if found is not None else hashes.unique()
