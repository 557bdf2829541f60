"""Measuring one pair under one normalisation: who matches, on both sides, and how ambiguously.

A measure joins two chains by hash: the SIS records and directory entries that find a partner,
those whose value is held by several records on the other side (ambiguous), and those whose
values reach more than one distinct record (conflicts: `several`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from authprobe.analysis.crosscheck import fullsets
from authprobe.analysis.crosscheck.collected import CollectedSide
from authprobe.analysis.crosscheck.columns import HASH, HOLDERS, RECORD, Chain, isin

EXAMPLES = 3
"""References kept as examples of each conflict and each unmatched reason."""


@dataclass(frozen=True, slots=True)
class PairMeasure:
    """One pair joined under one normalisation, both ways."""

    matched: int
    directory_matched: int
    matched_sis: pl.Series
    matched_directory: pl.Series
    sis_ambiguous: int
    directory_ambiguous: int
    sis_joined: pl.DataFrame  # (r, h, n): SIS rows whose hash some directory entry holds
    directory_joined: pl.DataFrame


def _joined(mine: Chain, theirs: Chain) -> tuple[pl.DataFrame, pl.Series, int]:
    if theirs.counts.height == theirs.frame.height:  # each hash held by one record: no join
        one = pl.lit(1, dtype=pl.UInt32).alias(HOLDERS)
        joined = mine.rows_held(theirs).with_columns(one)
    else:
        joined = mine.frame.join(theirs.counts, on=HASH, how="inner")
    matched = joined[RECORD].unique() if mine.multi else joined[RECORD]
    ambiguous = joined.filter(pl.col(HOLDERS) > 1)[RECORD]
    return joined, matched, ambiguous.n_unique() if mine.multi else ambiguous.len()


def measure(sis_chain: Chain, dir_chain: Chain) -> PairMeasure:
    """Join the SIS chain and the directory chain, both ways."""
    sis_joined, matched_sis, sis_ambiguous = _joined(sis_chain, dir_chain)
    dir_joined, matched_dir, dir_ambiguous = _joined(dir_chain, sis_chain)
    return PairMeasure(
        matched=matched_sis.len(),
        directory_matched=matched_dir.len(),
        matched_sis=matched_sis,
        matched_directory=matched_dir,
        sis_ambiguous=sis_ambiguous,
        directory_ambiguous=dir_ambiguous,
        sis_joined=sis_joined,
        directory_joined=dir_joined,
    )


def _matched_count(mine: Chain, theirs: Chain) -> int:
    if not mine.multi:  # one row per record: the holders of the shared hashes, by a merge of
        # two sorted columns (a few times cheaper than a hash set at a million rows)
        distinct = mine.distinct
        unique = distinct.len() == mine.frame.height  # one record per value: the shared values
        merged = fullsets.sorted_common(
            distinct, theirs.distinct, None if unique else mine.counts[HOLDERS]
        )
        if merged is not None:
            return merged
        targets = theirs.distinct.to_frame()
        if unique:
            return distinct.to_frame().join(targets, on=HASH, how="inner").height
        return int(mine.counts.join(targets, on=HASH, how="inner")[HOLDERS].sum())
    return mine.rows_held(theirs)[RECORD].n_unique()


def step_counts(sis: CollectedSide, sis_chain: Chain, dir_chain: Chain) -> tuple[int, int]:
    """SIS and directory records matched (cached: unchanged steps share their chains)."""
    key = (sis_chain.serial, dir_chain.serial)
    found = sis.measures.get(key)
    if found is None:
        found = sis.measures[key] = (
            _matched_count(sis_chain, dir_chain),
            _matched_count(dir_chain, sis_chain),
        )
    return found


def share(part: int, whole: int) -> float:
    """part / whole (0 when whole is 0)."""
    return part / whole if whole else 0.0


def several(joined: pl.DataFrame, multi: bool, theirs: Chain) -> pl.Series:
    """Record numbers whose values reach more than one distinct record on the other side."""
    if not multi:
        return joined.filter(pl.col(HOLDERS) > 1)[RECORD]
    per = joined.group_by(RECORD).agg(pl.len().alias("rows"), pl.col(HOLDERS).max().alias(HOLDERS))
    sure = per.filter(pl.col(HOLDERS) > 1)[RECORD]
    unsure = per.filter((pl.col("rows") > 1) & (pl.col(HOLDERS) == 1))[RECORD]
    if not unsure.len():
        return sure
    partners = (
        joined.filter(isin(pl.col(RECORD), unsure))
        .select(RECORD, HASH)
        .join(theirs.frame.rename({RECORD: "other"}), on=HASH)
        .group_by(RECORD)
        .agg(pl.col("other").n_unique().alias("partners"))
        .filter(pl.col("partners") > 1)[RECORD]
    )
    return pl.concat([sure, partners])


def examples(side: CollectedSide, numbers: pl.Series) -> tuple[str, ...]:
    """The first references (sorted) of these record numbers."""
    return tuple(side.refs.gather(numbers).sort().head(EXAMPLES).to_list())
