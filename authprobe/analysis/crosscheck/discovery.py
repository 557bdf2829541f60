"""Pair discovery: which SIS field x directory attribute pairs share values at all.

Not quadratic in cost: each field's fully normalised distinct values are sketched by their
`SKETCH_SIZE` smallest hashes (a uniform, order-independent sample); for each pair the smaller
side's sketch is probed against the larger side's sorted hashes by binary search, and only
pairs with enough hits are counted exactly. When the smaller side has no more distinct values
than the sketch, the sketch is the whole set and the probe is exact. A pair at the 1 % overlap
threshold is missed by the sketch with probability below 10^-10.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from authprobe.analysis.crosscheck.collected import CollectedSide
from authprobe.analysis.crosscheck.fullsets import count_in
from authprobe.analysis.crosscheck.kernels import FULL
from authprobe.runtime.progress import Wrap, no_wrap

if TYPE_CHECKING:
    from authprobe.analysis.crosscheck._steps import Normalised
    from authprobe.analysis.crosscheck.index import SideIndex

    ValueSet = pl.Series | Normalised
    """A field's sorted distinct hashes, fully normalised: polars' or the C module's."""

MIN_OVERLAP = 2
OVERLAP_SHARE = 0.01
SKETCH_SIZE = 4096
"""Distinct normalised values per field kept as the pair-discovery sample."""
SKETCH_MIN_HITS = 10
"""Sketch hits that send a pair to the exact count (41 expected at the 1 % threshold)."""


def plausible_pairs(
    sis: SideIndex, directory: SideIndex, counted: Wrap = no_wrap
) -> list[tuple[str, str]]:
    """Pairs whose values overlap once fully normalised (no guessing by the user); `counted`
    sees each directory attribute as it is compared with every SIS field."""
    sis_final, dir_final = sis.final, directory.final
    sis_made, dir_made = sis_final.take_full_sets(), dir_final.take_full_sets()
    if sis_made is None or dir_made is None:  # one kind of set for both sides (see fullsets)
        sis_made = dir_made = None
    sis_sets: dict[str, ValueSet] = (
        dict(sis_made)
        if sis_made
        else {name: sis_final.full_distinct(name) for name in sis_final.columns}
    )
    found: set[tuple[str, str]] = set()
    attributes = list(dir_final.columns)
    for attribute in counted(attributes, "finding pairs", len(attributes)):
        dir_values = dir_made[attribute] if dir_made else dir_final.full_distinct(attribute)
        hits = {(f, attribute) for f, values in sis_sets.items() if overlaps(values, dir_values)}
        if not hits:
            dir_final.forget(attribute)  # memory: only the plausible pairs are measured further
        found |= hits
    for name in sis_final.columns:
        if not any(f == name for f, _ in found):
            sis_final.forget(name)
    return [(f, a) for f in sis_final.columns for a in dir_final.columns if (f, a) in found]


def overlaps(sis_values: ValueSet, dir_values: ValueSet) -> bool:
    """Whether two sorted sets of distinct hashes (of one kind) share enough values: the
    smaller one's sketch first, then (if the sketch hits) an exact count."""
    small, large = sorted((sis_values, dir_values), key=len)
    needed = max(MIN_OVERLAP, OVERLAP_SHARE * len(small))
    hits = count_in(small, large, SKETCH_SIZE)
    if len(small) > SKETCH_SIZE:
        if hits < SKETCH_MIN_HITS:
            return False
        hits = count_in(small, large, len(small))
    return hits >= needed


def overlaps_without(
    sis: CollectedSide, sis_field: str, directory: CollectedSide, attribute: str, refused: set[str]
) -> bool:
    """Whether the pair's values still overlap enough when the `refused` steps are left out."""
    steps = tuple(step for step in FULL if step not in refused)
    return overlaps(_distinct(sis, sis_field, steps), _distinct(directory, attribute, steps))


def _distinct(side: CollectedSide, name: str, steps: tuple[str, ...]) -> pl.Series:
    """`name`'s sorted distinct hashes under `steps`: its chain's when the pair measured one
    under exactly those steps (a refused last step leaves the cumulative steps before it),
    else made without keeping a chain (memory); the same hashes either way."""
    chain = side.chains.get((name, steps))
    return chain.distinct if chain is not None else side.full_distinct(name, steps)
