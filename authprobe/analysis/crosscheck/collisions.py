"""The normalisation-collision check: a merging step must not join different people.

A merging step (`normalize.MERGING`: strip-scope, strip-leading-zeros, digits-only) can turn
two different values into one: `jdoe@college.ca` and `jdoe@alumni.college.ca` both become
`jdoe`. Before such a step is adopted for a pair, each side is checked: among the values the
other side holds too, does any one value after the step come from different values before it,
held by different records? If so the step is refused, and the collision is reported.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from authprobe.analysis.crosscheck import fullsets
from authprobe.analysis.crosscheck.collected import CollectedSide
from authprobe.analysis.crosscheck.columns import HASH, HOLDERS, RECORD, SEED, isin
from authprobe.analysis.crosscheck.kernels import ordered
from authprobe.analysis.crosscheck.measure import EXAMPLES
from authprobe.analysis.normalize import MERGING
from authprobe.model import StepCollision

Collide = Callable[[tuple[str, ...], str], tuple[StepCollision, ...]]
"""(steps adopted so far, a merging step) -> the collisions adopting the step would create."""


def no_collisions(_adopted: tuple[str, ...], _step: str) -> tuple[StepCollision, ...]:
    """A `Collide` that finds nothing."""
    return ()


def collider(s: CollectedSide, sis_field: str, d: CollectedSide, attribute: str) -> Collide:
    """The collision check of one pair (see `_collisions`), both sides."""

    def collide(adopted: tuple[str, ...], step: str) -> tuple[StepCollision, ...]:
        # compared with the values before any merging step, ignoring case (Alma does): a
        # step adopted earlier may have merged values nobody matched until this one
        base = ordered((*(a for a in adopted if a not in MERGING), "casefold"))
        chain = ordered((*adopted, "casefold", step))
        found = []
        for mine, name, theirs, other in (
            (s, sis_field, d, attribute),
            (d, attribute, s, sis_field),
        ):
            values, records, examples = _collisions(mine, name, theirs, other, base, chain)
            if values:
                found.append(StepCollision(step, mine.source, values, records, examples))
        return tuple(found)

    return collide


def _collisions(
    mine: CollectedSide,
    name: str,
    theirs: CollectedSide,
    other: str,
    base: tuple[str, ...],
    chain: tuple[str, ...],
) -> tuple[int, int, tuple[str, ...]]:
    """(values, records, examples): values under `chain` that the other side holds too and
    that different records of `mine` reach from different values under `base`."""
    before, after = mine.chain(name, base), mine.chain(name, chain)
    # the value after is a function of the value before (the merging steps come after trim and
    # casefold): as many distinct values after as before means no two became one
    if before is after or before.distinct_count() == after.distinct_count():
        return 0, 0, ()
    multi = before.multi
    target = theirs.chain(other, chain)
    if multi:  # chains sorted and deduplicated per record: hash the values again
        numbers = mine.columns[name].numbers
        old, new = mine.values(name, base).hash(SEED), mine.values(name, chain).hash(SEED)
        matched = target.holds(new)
    else:  # one row per record, in the column's order, in both chains
        numbers, old, new = after.frame[RECORD], before.frame[HASH], after.frame[HASH]
        matched = after.held_by(target)
    numbers, old, new = numbers.filter(matched), old.filter(matched), new.filter(matched)
    del matched
    # the value after is a function of the value before: as many distinct values after as
    # before among the matched ones means none became one (counted by the C sort when built)
    if fullsets.distinct_count(old) == fullsets.distinct_count(new):
        return 0, 0, ()
    reached = new.filter(old.is_first_distinct())  # the value after each value before
    bad = reached.filter(reached.is_duplicated()).unique()
    del reached
    rows = pl.DataFrame({RECORD: numbers, "before": old, HASH: new}).filter(isin(pl.col(HASH), bad))
    del numbers, old, new
    if multi:  # several values may be one record's own: two different records are needed
        bad = (
            rows.group_by(HASH)
            .agg(
                pl.col("before").n_unique().alias("values"),
                pl.col(RECORD).n_unique().alias(HOLDERS),
            )
            .filter((pl.col("values") > 1) & (pl.col(HOLDERS) > 1))[HASH]
        )
        if not bad.len():
            return 0, 0, ()
        rows = rows.filter(isin(pl.col(HASH), bad)).select(RECORD, HASH).unique()
    # examples: the records sharing a value with the first reference (in sorted order)
    named = rows.with_columns(mine.refs.gather(rows[RECORD]).alias("ref"))
    first = named.filter(pl.col("ref") == named["ref"].min())[HASH]
    examples = named.filter(isin(pl.col(HASH), first))["ref"].unique().sort().head(EXAMPLES)
    return bad.len(), rows[RECORD].n_unique(), tuple(examples.to_list())
