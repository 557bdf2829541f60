"""Exceptions: the SIS records that find no directory entry under the recommended pair, and why.

The registrar fixes these one by one, so each gets the plainest reason that explains it:

- `absent`: the SIS record has no value in the recommended field;
- `differs by whitespace` / `differs by case` / `differs by scope` / `differs by leading zeros` /
  `differs by other characters`: a directory entry holds the same value once that normalisation
  step (one the recommendation did not adopt) is also applied;
- `present under another attribute`: once fully normalised, the value is held by some directory
  entry under another attribute that also overlaps the SIS field (`pair.other_attributes`);
- `no directory entry with that value`: nothing in the directory comes close.

The classification is vectorised (`crosscheck.unmatched_reasons`); the same reasons, counted per
population on both sides, are in `Correspondence.unmatched`.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from authprobe.analysis.crosscheck import (
    ABSENT,
    NOT_FOUND,
    NOT_IN_SIS,
    OTHER_ATTRIBUTE,
    STEP_REASONS,
    SideIndex,
    unmatched_reasons,
)
from authprobe.analysis.crosscheck.columns import RECORD, VALUE
from authprobe.model import Correspondence, Mismatch

__all__ = [
    "ABSENT",
    "NOT_FOUND",
    "NOT_IN_SIS",
    "OTHER_ATTRIBUTE",
    "REASONS",
    "STEP_REASONS",
    "mismatches",
]

REASONS = (ABSENT, *STEP_REASONS.values(), NOT_FOUND)
"""The reasons of the original exceptions list, in the order the report lists them."""


def mismatches(sis: SideIndex, directory: SideIndex, pair: Correspondence) -> Iterator[Mismatch]:
    """Yield one `Mismatch` per SIS record that does not match under `pair`, in reading order."""
    rows = unmatched_reasons(
        sis,
        pair.sis_field,
        directory,
        pair.directory_attribute,
        pair.normalisation,
        pair.other_attributes,
    )
    if not rows.height:
        return
    final = sis.final
    numbers = rows[RECORD]
    column = final.columns.get(pair.sis_field)
    if column is None:
        firsts = pl.Series([""] * rows.height, dtype=pl.String)
    else:
        first = (
            pl.DataFrame({RECORD: column.numbers, VALUE: column.values})
            .unique(subset=RECORD, keep="first", maintain_order=True)
            .filter(pl.col(RECORD).is_in(numbers.implode()))
        )
        joined = rows.join(first, on=RECORD, how="left", maintain_order="left")
        firsts = joined[VALUE].fill_null("")
    refs = final.refs.gather(numbers).to_list()
    populations = final.populations.gather(numbers).to_list()
    for ref, population, reason, value in zip(
        refs, populations, rows["reason"].to_list(), firsts.to_list(), strict=True
    ):
        yield Mismatch(ref, population, reason, value)
