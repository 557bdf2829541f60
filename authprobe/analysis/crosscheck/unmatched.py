"""Who finds no partner under a pair's adopted steps, and why (analysis/exceptions re-exports
the reasons)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from authprobe.analysis.crosscheck.collected import CollectedSide
from authprobe.analysis.crosscheck.columns import RECORD
from authprobe.analysis.crosscheck.kernels import ordered
from authprobe.analysis.crosscheck.measure import EXAMPLES
from authprobe.analysis.normalize import STEPS
from authprobe.model import ABSENT, SourceKind, UnmatchedCount

if TYPE_CHECKING:
    from authprobe.analysis.crosscheck.index import SideIndex

NOT_FOUND = "no directory entry with that value"
NOT_IN_SIS = "no SIS record with that value"
OTHER_ATTRIBUTE = "present under another attribute"
STEP_REASONS = {
    "trim": "differs by whitespace",
    "casefold": "differs by case",
    "strip-scope": "differs by scope",
    "strip-leading-zeros": "differs by leading zeros",
    "digits-only": "differs by other characters",
}
_REASON = "reason"
_MATCHED, _ABSENT, _NOT_FOUND = 0, 1, 2
"""The first reason codes (indexes into a pair's labels: matched, absent, not found, then each
step's reason and present under another attribute); matched records are not in the result."""


def unmatched_reasons(
    side: SideIndex,
    name: str,
    other: SideIndex,
    other_name: str,
    adopted: tuple[str, ...],
    others: tuple[str, ...] = (),
) -> pl.DataFrame:
    """(r, reason) for every record of `side` that finds no partner under `adopted`.

    Reasons, first that applies: `absent` (no value of `name`); `differs by …` (a value joins
    once one more step, one the pair did not adopt, is applied on top of the previous ones);
    `present under another attribute` (fully normalised, the value appears under one of the
    directory attributes `others` — for a SIS record in any entry, for a directory entry: one
    of the entry's own `others` values appears in the SIS field); else not found.
    Sorted by record number.
    """
    mine, theirs = side.final, other.final
    everyone = pl.int_range(0, mine.records, dtype=pl.UInt32, eager=True)
    if name not in mine.columns:
        return pl.DataFrame(
            {RECORD: everyone, _REASON: pl.repeat(ABSENT, mine.records, eager=True)}
        )
    not_found = NOT_FOUND if side.source is SourceKind.SIS else NOT_IN_SIS
    labels = ["matched", ABSENT, not_found, *STEP_REASONS.values(), OTHER_ATTRIBUTE]
    # each record's reason as a small code (an index into `labels`), decided in order
    code = pl.repeat(_ABSENT, mine.records, dtype=pl.UInt8, eager=True)
    holders = mine.chain(name, ()).frame[RECORD]
    code = code.scatter(holders, _NOT_FOUND)  # until a reason below applies
    if other_name in theirs.columns:
        target = theirs.chain(other_name, adopted)
        code = code.scatter(mine.chain(name, adopted).rows_held(target)[RECORD], _MATCHED)
        code = _by_one_more_step(mine, name, theirs, other_name, adopted, code, labels)
        if others and (code == _NOT_FOUND).any():
            present = _present_elsewhere(side.source, mine, name, theirs, other_name, others)
            code = pl.select(
                pl.when(pl.lit(present) & (pl.lit(code) == _NOT_FOUND))
                .then(labels.index(OTHER_ATTRIBUTE))
                .otherwise(pl.lit(code))
                .cast(pl.UInt8)
            ).to_series()
    unmatched = code != _MATCHED
    return pl.DataFrame(
        {
            RECORD: everyone.filter(unmatched),
            _REASON: pl.Series(labels, dtype=pl.String).gather(code.filter(unmatched)),
        }
    )


def _by_one_more_step(
    mine: CollectedSide,
    name: str,
    theirs: CollectedSide,
    other_name: str,
    adopted: tuple[str, ...],
    code: pl.Series,
    labels: list[str],
) -> pl.Series:
    """The reason codes with the records still not found that join once one more step is
    applied (on top of the previous ones) coded by that step."""
    chain = adopted
    seen = (mine.chain(name, adopted).serial, theirs.chain(other_name, adopted).serial)
    for step in STEPS:
        if step in chain or not (code == _NOT_FOUND).any():
            continue
        chain = ordered((*chain, step))
        mine_chain, their_chain = mine.chain(name, chain), theirs.chain(other_name, chain)
        if (mine_chain.serial, their_chain.serial) == seen:
            continue  # the step changed nothing on either side: nobody joins by it
        seen = (mine_chain.serial, their_chain.serial)
        reaching = mine_chain.rows_held(their_chain)[RECORD]  # repeats possible
        found = reaching.filter(code.gather(reaching) == _NOT_FOUND)
        code = code.scatter(found, labels.index(STEP_REASONS[step]))
    return code


def _present_elsewhere(
    source: SourceKind,
    mine: CollectedSide,
    name: str,
    theirs: CollectedSide,
    other_name: str,
    others: tuple[str, ...],
) -> pl.Series:
    """Per record of `mine`, whether it is present under another attribute, fully normalised:
    a SIS value in any entry's `others`, or an entry's own `others` in the SIS field."""
    if source is SourceKind.SIS:
        pairs = [(name, attribute) for attribute in others]
    else:
        pairs = [(attribute, other_name) for attribute in others if attribute in mine.columns]
    present = pl.repeat(False, mine.records, dtype=pl.Boolean, eager=True)
    for mine_name, their_name in pairs:
        present = present | mine.reaches(mine_name, theirs, their_name)
    return present


def breakdown(side: CollectedSide, reasons: pl.DataFrame) -> tuple[UnmatchedCount, ...]:
    """The unmatched records counted by population and reason (with example references)."""
    if not reasons.height:
        return ()
    grouped = (
        reasons.with_columns(
            side.population_keys.gather(reasons[RECORD]).alias("population"),
            side.refs.gather(reasons[RECORD]).alias("ref"),
        )
        .group_by("population", _REASON)
        .agg(pl.len().alias("count"), pl.col("ref").sort().head(EXAMPLES).alias("examples"))
    )
    rows = [
        UnmatchedCount(
            side.source, row["population"], row[_REASON], row["count"], tuple(row["examples"])
        )
        for row in grouped.iter_rows(named=True)
    ]
    return tuple(sorted(rows, key=lambda u: (u.population, _REASON_ORDER.get(u.reason, 99))))


_REASON_ORDER = {
    reason: index
    for index, reason in enumerate(
        (ABSENT, *STEP_REASONS.values(), OTHER_ATTRIBUTE, NOT_FOUND, NOT_IN_SIS)
    )
}


def unmatched(
    sis: SideIndex,
    sis_field: str,
    directory: SideIndex,
    attribute: str,
    adopted: tuple[str, ...],
    others: tuple[str, ...],
) -> tuple[UnmatchedCount, ...]:
    """Who finds no partner, on both sides, by population and reason."""
    return breakdown(
        sis.final, unmatched_reasons(sis, sis_field, directory, attribute, adopted, others)
    ) + breakdown(
        directory.final, unmatched_reasons(directory, attribute, sis, sis_field, adopted, others)
    )
