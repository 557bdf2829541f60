"""One source once collected: its columns, and the values derived from them, cached.

`CollectedSide.chain(field, steps)` is a field's values under a list of normalisation steps,
as (record, hash) rows; steps that change nothing are remembered, so lists with the same
effective steps share one chain, and a longer list reuses the values of a shorter one. The
populations (coverage per population) and the name parts (the name-derived share) are here too.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import polars as pl

from authprobe.analysis.crosscheck.columns import (
    RECORD,
    SEED,
    VALUE,
    Chain,
    Column,
    NormalisedValues,
    isin,
)
from authprobe.analysis.crosscheck.fullsets import unchanged
from authprobe.analysis.crosscheck.kernels import (
    ASCII_SPACE,
    FULL,
    VECTOR_STEPS,
    casefold_series,
    non_ascii_rows,
    python_exact,
)
from authprobe.analysis.normalize import STEPS
from authprobe.model import PopulationCoverage, SourceKind

if TYPE_CHECKING:
    from authprobe.analysis.crosscheck._steps import Normalised

STATES = 8
"""Normalised value columns remembered for reuse by longer step chains (about 30 MB each per
million values)."""
NAME_SAMPLE = 50_000
"""Above this many holders, the name-derived share is measured on a sample chosen by value hash
(order-independent; about ±0.5 % at worst)."""

Key = tuple[str, tuple[str, ...]]
"""(field, steps)."""


class CollectedSide:
    """A finalised `SideIndex`: columns, populations, name parts, and caches of derived data."""

    def __init__(
        self,
        source: SourceKind,
        records: int,
        refs: pl.Series,
        populations: pl.Series,
        columns: dict[str, Column],
        names: pl.DataFrame,
        full_sets: dict[str, Normalised] | None = None,
    ) -> None:
        self.source = source
        self.records = records
        self.refs = refs
        self.populations = populations
        self.population_keys = self.populations.fill_null("(none)").replace("", "(none)")
        self.population_codes = self.population_keys.cast(pl.Categorical).to_physical()
        """Each record's population as a small integer (counted faster than text)."""
        self.columns = columns
        self.names = names
        """(record, value): every name part held (sn, givenName, the SIS's first and last
        names), as collected (the columns' own data, not copied)."""
        self._parts: pl.DataFrame | None = None
        self.chains: dict[Key, Chain] = {}
        self.states: OrderedDict[Key, NormalisedValues] = OrderedDict()
        self.unchanged: set[tuple[str, tuple[str, ...], str]] = set()
        self.by_effect: dict[Key, Chain] = {}
        self.measures: dict[tuple[int, int], tuple[int, int]] = {}
        self._totals: dict[str, int] | None = None
        self._labels: dict[int, str] | None = None
        self._named: pl.Series | None = None
        self._name_shares: dict[str, float] = {}
        self._full_sets = full_sets
        self._reaches: dict[tuple[str, str], pl.Series] = {}

    def take_full_sets(self) -> dict[str, Normalised] | None:
        """Every field's fully normalised values as made while collecting (`fullsets`), sorted
        and distinct, once (they are let go: memory); None when some field has none. The steps
        that changed nothing are recorded, as `full_distinct` records them."""
        sets, self._full_sets = self._full_sets, None
        if sets is None or any(name not in sets for name in self.columns):
            return None
        taken = {name: sets[name] for name in self.columns}
        sets.clear()  # the collector's references too (the same dict): they go after discovery
        for name, made in taken.items():
            made.finish()
            for effective, step in unchanged(made.changed):
                self.unchanged.add((name, effective, step))
        return taken

    def chain(self, name: str, steps: tuple[str, ...]) -> Chain:
        """`name`'s values under `steps` (cached; steps that change nothing share one chain).

        A step that changes nothing is remembered as such, so the values after a list of steps
        are known by the steps that did change something (their *effective* steps): after
        `trim+casefold+strip-leading-zeros` on all-digit values they are those after
        `strip-leading-zeros` alone. The values of the `STATES` most recent effective step lists
        are kept, so a longer list costs only its new steps."""
        key = (name, steps)
        found = self.chains.get(key)
        if found is not None:
            return found
        state, effective = self._state(name, steps)
        found = self.by_effect.get((name, effective))
        if found is None:
            found = self.by_effect[(name, effective)] = state.chain
        state.keep_chain(found)
        self.chains[key] = found
        return found

    def values(self, name: str, steps: tuple[str, ...]) -> pl.Series:
        """`name`'s values under `steps`, one per collected row (aligned with its column)."""
        return self._state(name, steps)[0].values

    def _state(self, name: str, steps: tuple[str, ...]) -> tuple[NormalisedValues, tuple[str, ...]]:
        """The values after `steps`, and the steps that changed something."""
        column = self.columns[name]
        state = self._raw_state(name)
        effective: tuple[str, ...] = ()
        for step in steps:
            if (name, effective, step) in self.unchanged:
                continue
            after = (*effective, step)
            known = self.states.get((name, after))
            if known is not None:
                self.states.move_to_end((name, after))
                state, effective = known, after
                continue
            values, changed = VECTOR_STEPS[step](state.values)
            odd = state.odd
            if odd:
                python = STEPS[step]
                new_odd = [python(value) for value in odd]
                changed = changed or new_odd != odd
                odd = new_odd
                values = values.clone().scatter(column.odd_rows, pl.Series(odd, dtype=pl.String))
            if not changed:
                self.unchanged.add((name, effective, step))
                continue
            effective = after
            state = NormalisedValues(values, odd, column)
            self._remember((name, effective), state)
        return state, effective

    def _raw_state(self, name: str) -> NormalisedValues:
        column = self.columns[name]
        return NormalisedValues(
            column.values, column.odd_values, column, self.by_effect.get((name, ()))
        )

    def _remember(self, key: Key, state: NormalisedValues) -> None:
        self.states[key] = state
        while len(self.states) > STATES:
            self.states.popitem(last=False)

    def full_distinct(self, name: str, steps: tuple[str, ...] = FULL) -> pl.Series:
        """The sorted distinct hashes of `name` fully normalised (or under `steps`), for pair
        discovery.

        No chain is made (most fields pair with nothing, and the plausible pairs build their
        chains step by step anyway), and a column with many repeated values (department, title)
        has only its distinct raw values (by 64-bit hash) normalised."""
        values = self.columns[name].values
        hashes = values.hash(SEED)
        probe = hashes.gather_every(max(1, hashes.len() // 10_000))
        if probe.n_unique() < probe.len() // 2:
            values = values.filter(hashes.is_first_distinct())
        odd_rows = non_ascii_rows(values)
        odd = values.gather(odd_rows).to_list()
        effective: tuple[str, ...] = ()
        for step in steps:
            if (name, effective, step) in self.unchanged:
                continue
            values, changed = VECTOR_STEPS[step](values)
            if odd:
                new_odd = [STEPS[step](value) for value in odd]
                changed = changed or new_odd != odd
                odd = new_odd
                values = values.clone().scatter(odd_rows, pl.Series(odd, dtype=pl.String))
            if changed:
                effective = (*effective, step)
            else:  # the same set of values: `chain` need not try this step again
                self.unchanged.add((name, effective, step))
        return values.hash(SEED).unique().sort()

    def reaches(self, name: str, other: CollectedSide, other_name: str) -> pl.Series:
        """Per record, whether its `name` value, fully normalised, is one of `other`'s
        `other_name` values fully normalised (cached: a few bits per record)."""
        key = (name, other_name)
        found = self._reaches.get(key)
        if found is None:
            rows = self.chain(name, FULL).rows_held(other.chain(other_name, FULL))[RECORD]
            found = pl.repeat(False, self.records, dtype=pl.Boolean, eager=True)
            found = self._reaches[key] = found.scatter(rows, True)
        return found

    def forget(self, name: str, keep: tuple[str, ...] | None = None) -> None:
        """Drop `name`'s chains and remembered values (all but `keep`'s chain): memory. Which
        steps change nothing stays known."""
        kept = self.chains.get((name, keep)) if keep is not None else None
        for key in [key for key in self.chains if key[0] == name and key[1] != keep]:
            del self.chains[key]
        for key in [key for key in self.states if key[0] == name]:
            del self.states[key]
        for key, chain in list(self.by_effect.items()):
            if key[0] == name and chain is not kept:
                del self.by_effect[key]

    def totals(self) -> dict[str, int]:
        """Records per population key."""
        if self._totals is None:
            counts = self.population_keys.value_counts()
            self._totals = dict(zip(counts[:, 0].to_list(), counts[:, 1].to_list(), strict=True))
        return self._totals

    def populations_of(self, matched: pl.Series) -> tuple[PopulationCoverage, ...]:
        """Coverage per population of the `matched` record numbers."""
        if self._labels is None:
            first = self.population_codes.arg_unique()
            codes, keys = self.population_codes.gather(first), self.population_keys.gather(first)
            self._labels = dict(zip(codes.to_list(), keys.to_list(), strict=True))
        counted = self.population_codes.gather(matched).value_counts()
        hits = {self._labels[code]: number for code, number in counted.iter_rows()}
        totals = self.totals()
        return tuple(
            PopulationCoverage(self.source, name, totals[name], hits.get(name, 0))
            for name in sorted(totals)
        )

    def name_derived_share(self, name: str) -> float:
        """Share of this field's holders whose first value contains their surname or given name."""
        share = self._name_shares.get(name)
        if share is not None:
            return share
        column = self.columns.get(name)
        share = 0.0
        if column is not None and self.names.height:
            firsts = pl.DataFrame({RECORD: column.numbers, VALUE: column.values})
            if column.multi.len():
                firsts = _first_per_record(firsts)
            named = self._named_records().gather(firsts[RECORD])
            holders = int(named.sum())
            if holders > NAME_SAMPLE:  # a share: a sample chosen by value is enough
                every = -(-holders // NAME_SAMPLE)
                named = named & (firsts[VALUE].hash(SEED) % every == 0)
            firsts = firsts.filter(named)
            if firsts.height:
                folded = firsts.with_columns(casefold_series(firsts[VALUE]).alias(VALUE))
                # the name parts of these records only (a sample): not of every record, which
                # costs hundreds of MB at a million people
                sampled = self._record_mask(firsts[RECORD])
                parts = (
                    self.names.filter(sampled.gather(self.names[RECORD]))
                    .join(self._name_parts(), on=VALUE)
                    .select(RECORD, "part")
                )
                derived = (
                    folded.join(parts, on=RECORD)
                    .filter(pl.col(VALUE).str.contains(pl.col("part"), literal=True))[RECORD]
                    .n_unique()
                )
                share = derived / firsts.height
        self._name_shares[name] = share
        return share

    def _record_mask(self, numbers: pl.Series) -> pl.Series:
        """Per record, whether its number is one of `numbers` (a bit a record: gathered by
        record number, cheaper than a set of the numbers)."""
        return pl.repeat(False, self.records, dtype=pl.Boolean, eager=True).scatter(numbers, True)

    def _named_records(self) -> pl.Series:
        """Per record, whether it holds a name part of 3 characters or more (cached)."""
        if self._named is None:
            held = self.names.filter(isin(pl.col(VALUE), self._name_parts()[VALUE]))
            self._named = self._record_mask(held[RECORD])
        return self._named

    def _name_parts(self) -> pl.DataFrame:
        """(value, part): each distinct name value held and its part (casefolded then
        stripped), those of 3 characters or more (names repeat: a few thousand surnames for a
        million people, each normalised once)."""
        if self._parts is None:
            distinct = self.names[VALUE].unique()
            folded = casefold_series(distinct)
            parts = python_exact(folded, lambda s: s.str.strip_chars(ASCII_SPACE), str.strip)
            normalised = pl.DataFrame({VALUE: distinct, "part": parts})
            self._parts = normalised.filter(pl.col("part").str.len_chars() >= 3)
        return self._parts


def _first_per_record(rows: pl.DataFrame) -> pl.DataFrame:
    """Each record's first (record, value) row. The rows are collected in reading order, so a
    record's rows follow one another: a row starts a record when its number differs from the
    row's before (a pass, where a `unique` by record costs a hash table: 2 M rows, 250 ms)."""
    numbers = rows[RECORD]
    if numbers.is_sorted():
        return rows.filter((numbers != numbers.shift(1)).fill_null(True))
    return rows.unique(subset=RECORD, keep="first", maintain_order=True)
