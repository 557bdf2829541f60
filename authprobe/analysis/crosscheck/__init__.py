"""Cross-check: find which SIS field joins to which directory attribute, and how well.

Both sources are collected column-wise (`SideIndex`): per field, compact polars columns of
(record number, value), filled from small Python buffers flushed every `FLUSH_EVERY` records,
so memory stays near the size of the data. Normalisation steps run as vectorised polars
expressions on ASCII values; the rare non-ASCII values go through the Python step functions of
`normalize.py`, so every result equals Python's exactly. Normalised values are compared by a
64-bit hash (polars' `hash`): a collision between two different values, about one chance in
10^7 with a million values on each side, could only add a match.

Pair discovery is not quadratic in cost: each field's fully normalised distinct values are
sketched by their `SKETCH_SIZE` smallest hashes (a uniform, order-independent sample); for each
SIS field x directory attribute pair the smaller side's sketch is probed against the larger
side's sorted hashes by binary search, and only pairs with enough hits are counted exactly.
When the smaller side has no more distinct values than the sketch, the sketch is the whole set
and the probe is exact. A pair at the 1 % overlap threshold is missed by the sketch with
probability below 10^-10.

Every plausible pair is measured under each cumulative step (exact, trim, casefold,
strip-scope, strip-leading-zeros, digits-only); the steps that pay for themselves are adopted
and the pair is measured once more under exactly those steps, with its conflicts (people
matching several entries) and who finds no partner, by population and reason
(see `unmatched_reasons`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import count, pairwise
from typing import Any, TypeVar

import polars as pl

from authprobe.analysis.normalize import EXACT, MERGING, STEPS
from authprobe.model import (
    Correspondence,
    PopulationCoverage,
    Record,
    SourceKind,
    StepCollision,
    StepCoverage,
    UnmatchedCount,
)

_NOT_IDENTIFIER_NAMES = (
    "objectClass",
    "objectCategory",
    "memberOf",
    "member",
    "userAccountControl",
    "sAMAccountType",
    "instanceType",
    "primaryGroupID",
    "codePage",
    "countryCode",
    "whenCreated",
    "whenChanged",
    "uSNCreated",
    "uSNChanged",
    "pwdLastSet",
    "lastLogon",
    "lastLogonTimestamp",
    "lastLogoff",
    "badPasswordTime",
    "badPwdCount",
    "logonCount",
    "accountExpires",
    "dSCorePropagationData",
    "userPassword",
    "unicodePwd",
    "createTimestamp",
    "modifyTimestamp",
    "creatorsName",
    "modifiersName",
    "structuralObjectClass",
    "entryCSN",
    "hasSubordinates",
    "subschemaSubentry",
    "eduPersonAffiliation",
    "eduPersonScopedAffiliation",
    "eduPersonPrimaryAffiliation",
    "employeeType",
    "loginShell",
    "homeDirectory",
    "gidNumber",
)
NOT_IDENTIFIERS = frozenset(name.casefold() for name in (*_NOT_IDENTIFIER_NAMES, "email:all"))
"""Attributes that never carry a person's identifier; not worth joining (still profiled).
`email:all` (every SIS email) is profiled but joined only through `email`, the preferred one."""

MIN_OVERLAP = 2
OVERLAP_SHARE = 0.01
STEP_MIN_GAIN_SHARE = 0.005
"""A transforming step is adopted only if it gains at least 0.5 % of the SIS records."""

FLUSH_EVERY = 50_000
"""Records buffered in Python lists before they are moved into polars columns."""
SKETCH_SIZE = 4096
"""Distinct normalised values per field kept as the pair-discovery sample."""
SKETCH_MIN_HITS = 10
"""Sketch hits that send a pair to the exact count (41 expected at the 1 % threshold)."""
STATES = 8
"""Normalised value columns remembered for reuse by longer step chains (about 30 MB each per
million values)."""
NAME_SAMPLE = 50_000
"""Above this many holders, the name-derived share is measured on a sample chosen by value hash
(order-independent; about ±0.5 % at worst)."""
EXAMPLES = 3
"""References kept as examples of each conflict and each unmatched reason."""

# Reasons a person finds no partner (analysis/exceptions re-exports them).
ABSENT = "absent"
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

_NAME_KEYS = ("sn", "surname", "givenname", "last_name", "first_name")
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what Python's str.strip() removes in ASCII
_SEED = 0x5EED
_R = "r"
_H = "h"
_V = "v"
_N = "n"

_SERIALS = count()
_SeriesOrExpr = TypeVar("_SeriesOrExpr", pl.Series, pl.Expr)

FULL: tuple[str, ...] = tuple(STEPS)
CUMULATIVE: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (name, FULL[: index + 1]) for index, name in enumerate(STEPS)
)


def _isin(values: _SeriesOrExpr, other: pl.Series) -> _SeriesOrExpr:
    return values.is_in(other.implode())


def _ordered(steps: Iterable[str]) -> tuple[str, ...]:
    wanted = set(steps)
    return tuple(step for step in STEPS if step in wanted)


# --- vectorised steps -------------------------------------------------------------------------
# Each returns the new values and whether any value changed. They are exact for ASCII values;
# the non-ASCII rows are overwritten afterwards with Python's own results.


def _trim(values: pl.Series) -> tuple[pl.Series, bool]:
    new = values.str.strip_chars(_ASCII_SPACE)
    return new, new.str.len_bytes().sum() != values.str.len_bytes().sum()


def _casefold(values: pl.Series) -> tuple[pl.Series, bool]:
    if not values.str.contains("[A-Z]").any():
        return values, False
    return values.str.to_lowercase(), True


def _masked(
    values: pl.Series, mask: pl.Series, func: Callable[[pl.Series], pl.Series]
) -> tuple[pl.Series, bool]:
    if not mask.any():
        return values, False
    rows = mask.arg_true()
    old = values.gather(rows)
    new = func(old)
    if new.str.len_bytes().sum() == old.str.len_bytes().sum():
        return values, False  # these steps only ever shorten a value
    return values.clone().scatter(rows, new), True


def _strip_scope(values: pl.Series) -> tuple[pl.Series, bool]:
    # an @ after the first character: the part before the last @ is not empty
    return _masked(
        values,
        values.str.contains("(?s).@"),
        lambda s: s.str.replace("(?s)@[^@]*$", ""),
    )


def _strip_leading_zeros(values: pl.Series) -> tuple[pl.Series, bool]:
    if not values.str.starts_with("0").any():
        return values, False
    value = pl.col(_V)
    stripped = value.str.strip_chars_start("0")
    new = (
        pl.DataFrame({_V: values})
        .select(
            pl.when(value.str.starts_with("0") & value.str.contains("^[0-9]+$"))
            .then(pl.when(stripped.str.len_bytes() == 0).then(pl.lit("0")).otherwise(stripped))
            .otherwise(value)
        )
        .to_series()
        .alias(values.name)
    )
    return new, new.str.len_bytes().sum() != values.str.len_bytes().sum()


def _digits_only(values: pl.Series) -> tuple[pl.Series, bool]:
    # values with four digits or more change unless they are all digits without a leading zero
    mask = values.str.contains("[0-9][^0-9]*[0-9][^0-9]*[0-9][^0-9]*[0-9]") & ~(
        values.str.contains("^[1-9][0-9]*$")
    )
    if not mask.any():
        return values, False
    rows = mask.arg_true()
    digits = values.gather(rows).str.replace_many(_ASCII_NON_DIGITS, [""] * len(_ASCII_NON_DIGITS))
    stripped = digits.str.strip_chars_start("0")  # leading zeros go, but `0000` -> `0`
    empty = (stripped.str.len_bytes() == 0).arg_true()
    if empty.len():
        stripped = stripped.scatter(empty, "0")
    return values.clone().scatter(rows, stripped), True


_ASCII_NON_DIGITS = [chr(code) for code in range(128) if not chr(code).isdigit()]
"""Removed by one multi-pattern pass (faster than a regex); non-ASCII values are redone by
Python's own step."""


_VECTOR_STEPS: dict[str, Callable[[pl.Series], tuple[pl.Series, bool]]] = {
    "trim": _trim,
    "casefold": _casefold,
    "strip-scope": _strip_scope,
    "strip-leading-zeros": _strip_leading_zeros,
    "digits-only": _digits_only,
}


def _non_ascii_rows(values: pl.Series) -> pl.Series:
    return (values.str.len_bytes() != values.str.len_chars()).arg_true()


def casefold_series(values: pl.Series) -> pl.Series:
    """Python's `str.casefold` on every value (vectorised for ASCII)."""
    return _python_exact(values, lambda s: s.str.to_lowercase(), str.casefold)


def _python_exact(
    values: pl.Series, vector: Callable[[pl.Series], pl.Series], python: Callable[[str], str]
) -> pl.Series:
    new = vector(values)
    rows = _non_ascii_rows(values)
    if rows.len():
        fixed = [python(value) for value in values.gather(rows).to_list()]
        new = new.clone().scatter(rows, pl.Series(fixed, dtype=pl.String))
    return new


# --- collection -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Chain:
    """One field under one normalisation: (record, hash) rows, deduplicated per record."""

    frame: pl.DataFrame
    multi: bool
    _counts: pl.DataFrame | None = None
    _distinct: pl.Series | None = None
    serial: int = field(default_factory=lambda: next(_SERIALS))
    """Unique for the process (unlike `id`, never reused): the key of cached measures."""

    @classmethod
    def of(cls, numbers: pl.Series, values: pl.Series, multi: bool) -> _Chain:
        frame = pl.DataFrame({_R: numbers, _H: values.hash(_SEED)})
        if multi:  # one row per (record, hash), found by sorting (a two-column `unique` or
            # `group_by` holds hundreds of MB per million rows; these stay near the data)
            frame = frame.sort(_R, _H)
            new = (pl.col(_R) != pl.col(_R).shift()) | (pl.col(_H) != pl.col(_H).shift())
            frame = frame.filter(new.fill_null(True))
        return cls(frame, multi)

    @property
    def counts(self) -> pl.DataFrame:
        """hash -> number of distinct records holding it (sorted by hash)."""
        if self._counts is None:
            runs = self.frame[_H].sort().rle()
            self._counts = pl.DataFrame(
                {
                    _H: runs.struct.field("value"),
                    _N: runs.struct.field("len").cast(pl.UInt32),
                }
            )
        return self._counts

    @property
    def distinct(self) -> pl.Series:
        """The distinct hashes, sorted."""
        if self._distinct is None:
            found = self._counts
            self._distinct = found[_H] if found is not None else self.frame[_H].unique().sort()
        return self._distinct


@dataclass(slots=True)
class _State:
    """One field's values after some steps: the polars values, the non-ASCII ones as Python
    normalised them, and the chain of their hashes (made when first asked for)."""

    values: pl.Series
    odd: list[str]
    column: _Column
    _chain: _Chain | None = None

    @property
    def chain(self) -> _Chain:
        if self._chain is None:
            column = self.column
            self._chain = _Chain.of(column.numbers, self.values, column.multi.len() > 0)
        return self._chain


@dataclass(slots=True)
class _Column:
    """One field of one source, finalised."""

    numbers: pl.Series  # u32 record number per value
    values: pl.Series  # raw text per value
    multi: pl.Series  # u32 record numbers holding several distinct values
    odd_rows: pl.Series  # rows whose value is not ASCII (normalised by Python)
    odd_values: list[str]


_Slot = tuple[Callable[[int], None], Callable[[str], None]] | None
"""How a field is collected: the `append` of its record-number and value lists, or None for a
field that never carries an identifier."""
_UNSEEN: Any = object()


class SideIndex:
    """One source, column-wise: per field, (record number, value) rows in polars columns."""

    def __init__(self, source: SourceKind) -> None:
        self.source = source
        self.records = 0
        self._slots: dict[str, _Slot] = {}
        self._info_kinds: dict[str, bool] = {}
        self._numbers: dict[str, list[int]] = {}
        self._texts: dict[str, list[str]] = {}
        self._multi: dict[str, list[int]] = {}
        self._chunks: dict[str, list[pl.DataFrame]] = {}
        self._refs: list[str] = []
        self._pops: list[str | None] = []
        self._ref_chunks: list[pl.Series] = []
        self._pop_chunks: list[pl.Series] = []
        self._name_numbers: list[int] = []
        self._name_texts: list[str] = []
        self._name_chunks: list[pl.DataFrame] = []
        self._name_fields: list[str] = []
        """Collected fields that also hold a name part (sn, givenName): read as names too."""
        self._final: _Final | None = None

    def _slot(self, name: str) -> _Slot:
        folded = name.casefold()
        slot: _Slot = None
        if folded not in NOT_IDENTIFIERS:
            numbers: list[int] = []
            texts: list[str] = []
            self._numbers[name], self._texts[name] = numbers, texts
            self._chunks[name] = []
            self._multi[name] = []
            if folded in _NAME_KEYS:
                self._name_fields.append(name)
            slot = (numbers.append, texts.append)
        self._slots[name] = slot
        return slot

    def add(self, record: Record) -> None:
        """Collect one record."""
        number = self.records
        self.records = number + 1
        self._final = None
        self._refs.append(record.ref)
        self._pops.append(record.population)
        slots = self._slots
        for name, values in record.attrs.items():
            slot = slots.get(name, _UNSEEN)
            if slot is _UNSEEN:
                slot = self._slot(name)
            if slot is None:
                continue
            if len(values) == 1:  # the common case, kept short
                slot[0](number)
                slot[1](values[0])
            elif values:
                self._add_values(name, number, values)
        if record.info:
            for key, value in record.info.items():
                is_name = self._info_kinds.get(key)
                if is_name is None:
                    is_name = self._info_kinds[key] = key.casefold() in _NAME_KEYS
                if is_name:
                    self._name_numbers.append(number)
                    self._name_texts.append(value)
        if self.records % FLUSH_EVERY == 0:
            self._flush()

    def _add_values(self, name: str, number: int, values: tuple[str, ...]) -> None:
        """Several values of one field: each distinct one once."""
        distinct = tuple(dict.fromkeys(values))
        if len(distinct) > 1:
            self._multi[name].append(number)
        self._numbers[name].extend([number] * len(distinct))
        self._texts[name].extend(distinct)

    def _flush(self) -> None:
        for name, texts in self._texts.items():
            if texts:
                numbers = self._numbers[name]
                self._chunks[name].append(_frame(numbers, texts))
                texts.clear()  # the same lists: their `append` is held by the field's slot
                numbers.clear()
        if self._refs:
            self._ref_chunks.append(pl.Series(self._refs, dtype=pl.String))
            self._pop_chunks.append(pl.Series(self._pops, dtype=pl.String))
            self._refs, self._pops = [], []
        if self._name_texts:
            self._name_chunks.append(_frame(self._name_numbers, self._name_texts))
            self._name_numbers, self._name_texts = [], []

    @property
    def final(self) -> _Final:
        """The collected columns (built on first use after the last `add`)."""
        if self._final is None:
            self._flush()
            self._final = _Final(self)
        return self._final

    @property
    def fields(self) -> tuple[str, ...]:
        """Every identifier field seen, in first-seen order."""
        return tuple(self._chunks)

    @property
    def populations(self) -> list[str | None]:
        """Each record's population, in reading order."""
        return self.final.populations.to_list()

    def refs(self, numbers: pl.Series) -> list[str]:
        """The references of these record numbers."""
        return self.final.refs.gather(numbers).to_list()


def _frame(numbers: list[int], texts: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {_R: pl.Series(numbers, dtype=pl.UInt32), _V: pl.Series(texts, dtype=pl.String)}
    )


def _concat(chunks: list[pl.DataFrame]) -> pl.DataFrame:
    if not chunks:
        return pl.DataFrame(schema={_R: pl.UInt32, _V: pl.String})
    return pl.concat(chunks, rechunk=False)


class _Final:
    """A finalised SideIndex: columns, populations, name parts, and caches of derived data."""

    def __init__(self, side: SideIndex) -> None:
        self.source = side.source
        self.records = side.records
        self.refs = _series(side._ref_chunks)
        self.populations = _series(side._pop_chunks)
        self.population_keys = self.populations.fill_null("(none)").replace("", "(none)")
        self.population_codes = self.population_keys.cast(pl.Categorical).to_physical()
        """Each record's population as a small integer (counted faster than text)."""
        self.columns: dict[str, _Column] = {}
        side._ref_chunks, side._pop_chunks = [self.refs], [self.populations]
        for name, chunks in side._chunks.items():
            frame = _concat(chunks)
            side._chunks[name] = [frame]  # one copy of the data, not two
            values = frame[_V]
            odd = _non_ascii_rows(values)
            self.columns[name] = _Column(
                numbers=frame[_R],
                values=values,
                multi=pl.Series(side._multi[name], dtype=pl.UInt32),
                odd_rows=odd,
                odd_values=values.gather(odd).to_list(),
            )
        names = _concat(side._name_chunks)
        side._name_chunks = [names]
        if side._name_fields:
            names = pl.concat([names, *(side._chunks[f][0] for f in side._name_fields)])
        self.names = _name_parts(names)
        self.chains: dict[tuple[str, tuple[str, ...]], _Chain] = {}
        self.states: OrderedDict[tuple[str, tuple[str, ...]], _State] = OrderedDict()
        self.unchanged: set[tuple[str, tuple[str, ...], str]] = set()
        self.by_effect: dict[tuple[str, tuple[str, ...]], _Chain] = {}
        self.measures: dict[tuple[int, int], tuple[int, int]] = {}
        self._totals: dict[str, int] | None = None
        self._labels: dict[int, str] | None = None
        self._named: pl.Series | None = None
        self._name_shares: dict[str, float] = {}

    def chain(self, name: str, steps: tuple[str, ...]) -> _Chain:
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
        self.chains[key] = state._chain = found
        return found

    def values(self, name: str, steps: tuple[str, ...]) -> pl.Series:
        """`name`'s values under `steps`, one per collected row (aligned with its column)."""
        return self._state(name, steps)[0].values

    def _state(self, name: str, steps: tuple[str, ...]) -> tuple[_State, tuple[str, ...]]:
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
            values, changed = _VECTOR_STEPS[step](state.values)
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
            state = _State(values, odd, column)
            self._remember((name, effective), state)
        return state, effective

    def _raw_state(self, name: str) -> _State:
        column = self.columns[name]
        return _State(column.values, column.odd_values, column, self.by_effect.get((name, ())))

    def _remember(self, key: tuple[str, tuple[str, ...]], state: _State) -> None:
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
        hashes = values.hash(_SEED)
        probe = hashes.gather_every(max(1, hashes.len() // 10_000))
        if probe.n_unique() < probe.len() // 2:
            values = values.filter(hashes.is_first_distinct())
        odd_rows = _non_ascii_rows(values)
        odd = values.gather(odd_rows).to_list()
        effective: tuple[str, ...] = ()
        for step in steps:
            if (name, effective, step) in self.unchanged:
                continue
            values, changed = _VECTOR_STEPS[step](values)
            if odd:
                new_odd = [STEPS[step](value) for value in odd]
                changed = changed or new_odd != odd
                odd = new_odd
                values = values.clone().scatter(odd_rows, pl.Series(odd, dtype=pl.String))
            if changed:
                effective = (*effective, step)
            else:  # the same set of values: `chain` need not try this step again
                self.unchanged.add((name, effective, step))
        return values.hash(_SEED).unique().sort()

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
            firsts = pl.DataFrame({_R: column.numbers, _V: column.values})
            if column.multi.len():
                firsts = firsts.unique(subset=_R, keep="first", maintain_order=True)
            if self._named is None:
                self._named = self.names[_R].unique()
            firsts = firsts.filter(_isin(pl.col(_R), self._named))
            if firsts.height > NAME_SAMPLE:  # a share: a sample chosen by value is enough
                every = -(-firsts.height // NAME_SAMPLE)
                firsts = firsts.filter(pl.col(_V).hash(_SEED) % every == 0)
            if firsts.height:
                folded = firsts.with_columns(casefold_series(firsts[_V]).alias(_V))
                derived = (
                    folded.join(self.names, on=_R)
                    .filter(pl.col(_V).str.contains(pl.col("part"), literal=True))[_R]
                    .n_unique()
                )
                share = derived / firsts.height
        self._name_shares[name] = share
        return share


def _series(chunks: list[pl.Series]) -> pl.Series:
    if not chunks:
        return pl.Series([], dtype=pl.String)
    return pl.concat(chunks, rechunk=False)


def _name_parts(frame: pl.DataFrame) -> pl.DataFrame:
    """(record, part): surname and given name, casefolded then stripped, 3+ characters."""
    folded = casefold_series(frame[_V])
    parts = _python_exact(folded, lambda s: s.str.strip_chars(_ASCII_SPACE), str.strip)
    kept = pl.DataFrame({_R: frame[_R], "part": parts}).filter(pl.col("part").str.len_chars() >= 3)
    # one row per (record, part): deduplicated on one 64-bit key (record, part's code), as a
    # two-column `unique` holds hundreds of MB per million rows
    code = kept["part"].cast(pl.Categorical).to_physical().cast(pl.UInt64)
    key = kept[_R].cast(pl.UInt64) * (1 << 32) + code
    return kept.filter(key.is_first_distinct())


def collect(records: Iterable[Record], source: SourceKind) -> SideIndex:
    """Collect every record of one source."""
    side = SideIndex(source)
    for record in records:
        side.add(record)
    return side


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Measure:
    matched: int
    directory_matched: int
    matched_sis: pl.Series
    matched_directory: pl.Series
    sis_ambiguous: int
    directory_ambiguous: int
    sis_joined: pl.DataFrame  # (r, h, n): SIS rows whose hash some directory entry holds
    directory_joined: pl.DataFrame


def _joined(mine: _Chain, theirs: _Chain) -> tuple[pl.DataFrame, pl.Series, int]:
    if theirs.counts.height == theirs.frame.height:  # each hash held by one record: no join
        one = pl.lit(1, dtype=pl.UInt32).alias(_N)
        joined = mine.frame.filter(_isin(pl.col(_H), theirs.distinct)).with_columns(one)
    else:
        joined = mine.frame.join(theirs.counts, on=_H, how="inner")
    matched = joined[_R].unique() if mine.multi else joined[_R]
    ambiguous = joined.filter(pl.col(_N) > 1)[_R]
    return joined, matched, ambiguous.n_unique() if mine.multi else ambiguous.len()


def _measure(sis_chain: _Chain, dir_chain: _Chain) -> _Measure:
    sis_joined, matched_sis, sis_ambiguous = _joined(sis_chain, dir_chain)
    dir_joined, matched_dir, dir_ambiguous = _joined(dir_chain, sis_chain)
    return _Measure(
        matched=matched_sis.len(),
        directory_matched=matched_dir.len(),
        matched_sis=matched_sis,
        matched_directory=matched_dir,
        sis_ambiguous=sis_ambiguous,
        directory_ambiguous=dir_ambiguous,
        sis_joined=sis_joined,
        directory_joined=dir_joined,
    )


def _matched_count(mine: _Chain, theirs: _Chain) -> int:
    found = mine.frame.filter(_isin(pl.col(_H), theirs.distinct))[_R]
    return found.n_unique() if mine.multi else found.len()


def _step_counts(sis: _Final, sis_chain: _Chain, dir_chain: _Chain) -> tuple[int, int]:
    """SIS and directory records matched (cached: unchanged steps share their chains)."""
    key = (sis_chain.serial, dir_chain.serial)
    found = sis.measures.get(key)
    if found is None:
        found = sis.measures[key] = (
            _matched_count(sis_chain, dir_chain),
            _matched_count(dir_chain, sis_chain),
        )
    return found


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _overlap(small: pl.Series, large: pl.Series) -> int:
    """How many of `small`'s sorted distinct hashes are in `large` (sorted)."""
    if not small.len() or not large.len():
        return 0
    at = large.search_sorted(small).clip(0, large.len() - 1)
    return int((large.gather(at) == small).sum())


def _plausible_pairs(sis: SideIndex, directory: SideIndex) -> list[tuple[str, str]]:
    """Pairs whose values overlap once fully normalised (no guessing by the user)."""
    sis_final, dir_final = sis.final, directory.final
    sis_sets = {name: sis_final.full_distinct(name) for name in sis_final.columns}
    found: set[tuple[str, str]] = set()
    for attribute in dir_final.columns:
        dir_values = dir_final.full_distinct(attribute)
        hits = {(f, attribute) for f, values in sis_sets.items() if _overlaps(values, dir_values)}
        if not hits:
            dir_final.forget(attribute)  # memory: only the plausible pairs are measured further
        found |= hits
    for name in sis_final.columns:
        if not any(f == name for f, _ in found):
            sis_final.forget(name)
    return [(f, a) for f in sis_final.columns for a in dir_final.columns if (f, a) in found]


def _overlaps(sis_values: pl.Series, dir_values: pl.Series) -> bool:
    """Whether two sorted sets of distinct hashes share enough values: the smaller one's
    sketch first, then (if the sketch hits) an exact count."""
    small, large = sorted((sis_values, dir_values), key=len)
    needed = max(MIN_OVERLAP, OVERLAP_SHARE * small.len())
    sketch = small.head(SKETCH_SIZE)
    hits = _overlap(sketch, large)
    if sketch.len() < small.len():
        if hits < SKETCH_MIN_HITS:
            return False
        hits = _overlap(small, large)
    return hits >= needed


Collide = Callable[[tuple[str, ...], str], tuple[StepCollision, ...]]
"""(steps adopted so far, a merging step) -> the collisions adopting the step would create."""


def _no_collisions(_adopted: tuple[str, ...], _step: str) -> tuple[StepCollision, ...]:
    return ()


def _adopted_steps(
    steps: list[StepCoverage], sis_records: int, collide: Collide = _no_collisions
) -> tuple[tuple[str, ...], tuple[StepCollision, ...]]:
    """Steps whose gain pays for itself: casefold on any gain (Alma compares without case),
    the others only when they gain at least 0.5 % of the SIS records — and a merging step
    (`MERGING`) only when it joins no different people (`collide` finds nothing). Returns the
    adopted steps and the collisions of the steps refused."""
    adopted: list[str] = []
    refused: list[StepCollision] = []
    minimum = max(1, STEP_MIN_GAIN_SHARE * sis_records)
    for previous, current in pairwise(steps):
        gain = current.matched - previous.matched
        if not ((current.step == "casefold" and gain > 0) or gain >= minimum):
            continue
        if current.step in MERGING:
            found = collide(tuple(adopted), current.step)
            if found:
                refused.extend(found)
                continue
        adopted.append(current.step)
    return tuple(adopted), tuple(refused)


def _collider(s: _Final, sis_field: str, d: _Final, attribute: str) -> Collide:
    """The collision check of one pair (see `_collisions`), both sides."""

    def collide(adopted: tuple[str, ...], step: str) -> tuple[StepCollision, ...]:
        # compared with the values before any merging step, ignoring case (Alma does): a
        # step adopted earlier may have merged values nobody matched until this one
        base = _ordered((*(a for a in adopted if a not in MERGING), "casefold"))
        chain = _ordered((*adopted, "casefold", step))
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


def _distinct_count(chain: _Chain) -> int:
    """How many distinct values (known, or counted without keeping them: memory)."""
    if chain._distinct is not None:
        return chain._distinct.len()
    if chain._counts is not None:
        return chain._counts.height
    return chain.frame[_H].n_unique()


def _collisions(
    mine: _Final,
    name: str,
    theirs: _Final,
    other: str,
    base: tuple[str, ...],
    chain: tuple[str, ...],
) -> tuple[int, int, tuple[str, ...]]:
    """(values, records, examples): values under `chain` that the other side holds too and
    that different records of `mine` reach from different values under `base`."""
    before, after = mine.chain(name, base), mine.chain(name, chain)
    # the value after is a function of the value before (the merging steps come after trim and
    # casefold): as many distinct values after as before means no two became one
    if before is after or _distinct_count(before) == _distinct_count(after):
        return 0, 0, ()
    multi = before.multi
    if multi:  # chains sorted and deduplicated per record: hash the values again
        numbers = mine.columns[name].numbers
        old, new = mine.values(name, base).hash(_SEED), mine.values(name, chain).hash(_SEED)
    else:  # one row per record, in the column's order, in both chains
        numbers, old, new = after.frame[_R], before.frame[_H], after.frame[_H]
    matched = _isin(new, theirs.chain(other, chain).distinct)
    numbers, old, new = numbers.filter(matched), old.filter(matched), new.filter(matched)
    del matched
    reached = new.filter(old.is_first_distinct())  # the value after each value before
    if reached.n_unique() == reached.len():  # the same, among the matched values
        return 0, 0, ()
    bad = reached.filter(reached.is_duplicated()).unique()
    del reached
    rows = pl.DataFrame({_R: numbers, _V: old, _H: new}).filter(_isin(pl.col(_H), bad))
    del numbers, old, new
    if multi:  # several values may be one record's own: two different records are needed
        bad = (
            rows.group_by(_H)
            .agg(pl.col(_V).n_unique().alias("values"), pl.col(_R).n_unique().alias(_N))
            .filter((pl.col("values") > 1) & (pl.col(_N) > 1))[_H]
        )
        if not bad.len():
            return 0, 0, ()
        rows = rows.filter(_isin(pl.col(_H), bad)).select(_R, _H).unique()
    # examples: the records sharing a value with the first reference (in sorted order)
    named = rows.with_columns(mine.refs.gather(rows[_R]).alias("ref"))
    first = named.filter(pl.col("ref") == named["ref"].min())[_H]
    examples = named.filter(_isin(pl.col(_H), first))["ref"].unique().sort().head(EXAMPLES)
    return bad.len(), rows[_R].n_unique(), tuple(examples.to_list())


_AFTER_CASEFOLD = frozenset(list(STEPS)[list(STEPS).index("casefold") + 1 :])


def _needs_casefold_too(adopted: tuple[str, ...]) -> bool:
    """A later step was measured on top of casefold (the steps are cumulative), so its gain may
    need casefold too: `JDOE` vs `jdoe@college.ca` joins only with both."""
    return "casefold" not in adopted and bool(_AFTER_CASEFOLD.intersection(adopted))


def _several(joined: pl.DataFrame, multi: bool, theirs: _Chain) -> pl.Series:
    """Record numbers whose values reach more than one distinct record on the other side."""
    if not multi:
        return joined.filter(pl.col(_N) > 1)[_R]
    per = joined.group_by(_R).agg(pl.len().alias("rows"), pl.col(_N).max().alias(_N))
    sure = per.filter(pl.col(_N) > 1)[_R]
    unsure = per.filter((pl.col("rows") > 1) & (pl.col(_N) == 1))[_R]
    if not unsure.len():
        return sure
    partners = (
        joined.filter(_isin(pl.col(_R), unsure))
        .select(_R, _H)
        .join(theirs.frame.rename({_R: "other"}), on=_H)
        .group_by(_R)
        .agg(pl.col("other").n_unique().alias("partners"))
        .filter(pl.col("partners") > 1)[_R]
    )
    return pl.concat([sure, partners])


def _examples(side: _Final, numbers: pl.Series) -> tuple[str, ...]:
    return tuple(side.refs.gather(numbers).sort().head(EXAMPLES).to_list())


def correspond(
    sis: SideIndex,
    sis_field: str,
    directory: SideIndex,
    attribute: str,
    *,
    others: tuple[str, ...] = (),
) -> Correspondence:
    """Measure one pair under every cumulative step, then under the adopted steps.

    `others` are further directory attributes overlapping the SIS field: an unmatched person
    whose value is found there is counted as "present under another attribute".
    """
    return _correspond(sis, sis_field, directory, attribute, others, set_aside=False)[0]


def _correspond(
    sis: SideIndex,
    sis_field: str,
    directory: SideIndex,
    attribute: str,
    others: tuple[str, ...],
    *,
    set_aside: bool,
) -> tuple[Correspondence, bool]:
    """`correspond`, and whether the pair's values meet only through a refused step. With
    `set_aside`, such a pair is not measured further (no conflicts, no unmatched breakdown:
    it is no candidate, and those would cost the most for it)."""
    s, d = sis.final, directory.final
    steps = []
    for name, chain in ((EXACT, ()), *CUMULATIVE):
        matched, dir_matched = _step_counts(s, s.chain(sis_field, chain), d.chain(attribute, chain))
        steps.append(
            StepCoverage(
                step=name,
                matched=matched,
                sis_coverage=_share(matched, s.records),
                directory_matched=dir_matched,
                directory_coverage=_share(dir_matched, d.records),
            )
        )
    adopted, collisions = _adopted_steps(steps, s.records, _collider(s, sis_field, d, attribute))
    refused = {collision.step for collision in collisions}
    aside = set_aside and bool(refused)
    aside = aside and not _overlaps_without(s, sis_field, d, attribute, refused)
    sis_chain, dir_chain = s.chain(sis_field, adopted), d.chain(attribute, adopted)
    final = _measure(sis_chain, dir_chain)
    if _needs_casefold_too(adopted):
        # casefold costs nothing (Alma compares without case): keep it when it adds matches
        with_case = _ordered((*adopted, "casefold"))
        case_chains = s.chain(sis_field, with_case), d.chain(attribute, with_case)
        if _step_counts(s, *case_chains)[0] > final.matched:
            adopted, (sis_chain, dir_chain), final = with_case, case_chains, _measure(*case_chains)
    multi = d.columns[attribute].multi
    with_case = _ordered((*adopted, "casefold"))
    sis_dupes = s.chain(sis_field, with_case).counts.filter(pl.col(_N) > 1).height
    nobody = pl.Series([], dtype=pl.UInt32)
    sis_several = nobody if aside else _several(final.sis_joined, sis_chain.multi, dir_chain)
    dir_several = nobody if aside else _several(final.directory_joined, dir_chain.multi, sis_chain)
    unmatched = () if aside else _unmatched(sis, sis_field, directory, attribute, adopted, others)
    pair = Correspondence(
        sis_field=sis_field,
        directory_attribute=attribute,
        normalisation=adopted,
        matched=final.matched,
        sis_records=s.records,
        sis_coverage=_share(final.matched, s.records),
        directory_matched=final.directory_matched,
        directory_records=d.records,
        directory_coverage=_share(final.directory_matched, d.records),
        steps=tuple(steps),
        populations=s.populations_of(final.matched_sis) + d.populations_of(final.matched_directory),
        sis_ambiguous=final.sis_ambiguous,
        directory_ambiguous=final.directory_ambiguous,
        directory_multi_valued=int(_isin(multi, final.matched_directory).sum()),
        name_derived_share=max(d.name_derived_share(attribute), s.name_derived_share(sis_field)),
        sis_duplicate_values=sis_dupes,
        sis_multiple=sis_several.len(),
        directory_multiple=dir_several.len(),
        sis_multiple_examples=_examples(s, sis_several),
        directory_multiple_examples=_examples(d, dir_several),
        unmatched=unmatched,
        other_attributes=others,
        collisions=collisions,
    )
    return pair, aside


def _unmatched(
    sis: SideIndex,
    sis_field: str,
    directory: SideIndex,
    attribute: str,
    adopted: tuple[str, ...],
    others: tuple[str, ...],
) -> tuple[UnmatchedCount, ...]:
    """Who finds no partner, on both sides, by population and reason."""
    return _breakdown(
        sis.final, unmatched_reasons(sis, sis_field, directory, attribute, adopted, others)
    ) + _breakdown(
        directory.final, unmatched_reasons(directory, attribute, sis, sis_field, adopted, others)
    )


def _overlaps_without(
    sis: _Final, sis_field: str, directory: _Final, attribute: str, refused: set[str]
) -> bool:
    """Whether the pair's values still overlap enough when the `refused` steps are left out."""
    steps = tuple(step for step in FULL if step not in refused)  # no chain kept: memory
    return _overlaps(sis.full_distinct(sis_field, steps), directory.full_distinct(attribute, steps))


def crosscheck(
    sis: SideIndex, directory: SideIndex, *, set_aside: list[Correspondence] | None = None
) -> list[Correspondence]:
    """Every plausible pair, measured; best SIS coverage first.

    A pair whose values overlap only through a step that would join different people is not
    returned; it goes to `set_aside` (when given), with its collisions, so it can be reported.
    """
    pairs = _plausible_pairs(sis, directory)
    others = {pair: _others(pairs, *pair) for pair in pairs}
    last_use: dict[tuple[SourceKind, str], int] = {}
    for index, (sis_field, attribute) in enumerate(pairs):
        last_use[(SourceKind.SIS, sis_field)] = index
        for name in (attribute, *others[(sis_field, attribute)]):
            last_use[(SourceKind.DIRECTORY, name)] = index
    found = []
    for index, (sis_field, attribute) in enumerate(pairs):
        pair, aside = _correspond(
            sis, sis_field, directory, attribute, others[(sis_field, attribute)], set_aside=True
        )
        if not aside:
            found.append(pair)
        elif set_aside is not None:
            set_aside.append(pair)
        for (kind, name), last in last_use.items():
            if last == index:  # memory: a field's chains go once no later pair needs them
                (sis if kind is SourceKind.SIS else directory).final.forget(name)
    found.sort(key=lambda c: (-c.matched, c.sis_field, c.directory_attribute.casefold()))
    return found


def matched_by_population(
    side: SideIndex,
    name: str,
    others: Sequence[tuple[SideIndex, str]],
    steps: tuple[str, ...],
) -> dict[str, int]:
    """Records of `side` per population that find a partner under exactly `steps` (nothing is
    decided again) in any of `others` ((index, field) of the other source): how a group set
    aside would fare under the winner's own normalisation."""
    mine = side.final
    if not side.records or name not in mine.columns:
        return {}
    targets = [
        other.final.chain(other_name, steps).distinct
        for other, other_name in others
        if other.records and other_name in other.final.columns
    ]
    if not targets:
        return {}
    target = pl.concat(targets).unique()
    numbers = mine.chain(name, steps).frame.filter(_isin(pl.col(_H), target))[_R].unique()
    return {p.population: p.matched for p in mine.populations_of(numbers) if p.matched}


def _others(pairs: list[tuple[str, str]], sis_field: str, attribute: str) -> tuple[str, ...]:
    found = {a for f, a in pairs if f == sis_field and a != attribute}
    return tuple(sorted(found, key=lambda a: (a.casefold(), a)))


# --- who finds no partner, and why -------------------------------------------------------------


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
        return pl.DataFrame({_R: everyone, "reason": pl.repeat(ABSENT, mine.records, eager=True)})
    holders = mine.chain(name, ()).frame[_R].unique()
    parts = [(everyone.filter(~_isin(everyone, holders)), ABSENT)]
    if other_name in theirs.columns:
        target = theirs.chain(other_name, adopted)
        matched = mine.chain(name, adopted).frame.filter(_isin(pl.col(_H), target.distinct))[_R]
    else:
        matched = pl.Series([], dtype=pl.UInt32)
    remaining = holders.filter(~_isin(holders, matched))
    chain = adopted
    seen = (
        mine.chain(name, adopted).serial,
        theirs.chain(other_name, adopted).serial if other_name in theirs.columns else -1,
    )
    for step in STEPS:
        if step in chain or not remaining.len() or other_name not in theirs.columns:
            continue
        chain = _ordered((*chain, step))
        mine_chain, their_chain = mine.chain(name, chain), theirs.chain(other_name, chain)
        if (mine_chain.serial, their_chain.serial) == seen:
            continue  # the step changed nothing on either side: nobody joins by it
        seen = (mine_chain.serial, their_chain.serial)
        found = _reached(mine_chain, remaining, their_chain.distinct)
        parts.append((found, STEP_REASONS[step]))
        remaining = remaining.filter(~_isin(remaining, found))
    if remaining.len() and others and other_name in theirs.columns and name in mine.columns:
        if side.source is SourceKind.SIS:
            found = _reached_any(
                [mine.chain(name, FULL)], remaining, [theirs.chain(a, FULL) for a in others]
            )
        else:
            found = _reached_any(
                [mine.chain(a, FULL) for a in others if a in mine.columns],
                remaining,
                [theirs.chain(other_name, FULL)],
            )
        parts.append((found, OTHER_ATTRIBUTE))
        remaining = remaining.filter(~_isin(remaining, found))
    parts.append((remaining, NOT_FOUND if side.source is SourceKind.SIS else NOT_IN_SIS))
    return pl.concat(
        [
            pl.DataFrame({_R: numbers, "reason": pl.repeat(reason, numbers.len(), eager=True)})
            for numbers, reason in parts
        ]
    ).sort(_R)


def _reached(mine: _Chain, remaining: pl.Series, targets: pl.Series) -> pl.Series:
    """Those of the `remaining` records holding a hash among `targets`."""
    rows = mine.frame.filter(_isin(pl.col(_R), remaining))
    return rows.filter(_isin(pl.col(_H), targets))[_R].unique()


def _reached_any(mine: list[_Chain], remaining: pl.Series, theirs: list[_Chain]) -> pl.Series:
    if not mine or not theirs:
        return pl.Series([], dtype=pl.UInt32)
    targets = pl.concat([chain.distinct for chain in theirs]).unique()
    return pl.concat([_reached(chain, remaining, targets) for chain in mine]).unique()


def _breakdown(side: _Final, reasons: pl.DataFrame) -> tuple[UnmatchedCount, ...]:
    if not reasons.height:
        return ()
    grouped = (
        reasons.with_columns(
            side.population_keys.gather(reasons[_R]).alias("population"),
            side.refs.gather(reasons[_R]).alias("ref"),
        )
        .group_by("population", "reason")
        .agg(pl.len().alias(_N), pl.col("ref").sort().head(EXAMPLES).alias("examples"))
    )
    rows = [
        UnmatchedCount(
            side.source, row["population"], row["reason"], row[_N], tuple(row["examples"])
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


# --- identifiers shared between SIS fields ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SharedIdentifier:
    """Records whose value of `field` is also a value of another identifier field."""

    field: str
    records: int
    other_fields: tuple[str, ...]
    examples: tuple[str, ...]  # record references


def shared_identifiers(
    sides: Sequence[SideIndex], is_identifier: Callable[[str], bool], examples: int = 3
) -> list[SharedIdentifier]:
    """Values (after casefold) that two identifier fields hold, on one user or two.

    Alma requires every identifier to be unique across all users and all identifier fields
    together; a value used by two users in the *same* field is the duplicate-value finding."""
    hashes: dict[str, list[tuple[pl.Series, pl.Series]]] = {}  # field -> (numbers, hashes)
    refs: list[pl.Series] = []
    offset = 0
    for side in sides:
        final = side.final
        for name, column in final.columns.items():
            if is_identifier(name):
                values = column.values
                if values.str.contains("[A-Z]").any() or _non_ascii_rows(values).len():
                    values = casefold_series(values)
                numbers = column.numbers.cast(pl.UInt64) + offset
                hashes.setdefault(name, []).append((numbers, values.hash()))
        refs.append(final.refs)
        offset += side.records
    if len(hashes) < 2:
        return []
    # a value shared between fields is in two fields' sets of distinct values
    distinct = pl.concat([pl.concat([h for _, h in parts]).unique() for parts in hashes.values()])
    counts = distinct.value_counts()
    shared = counts.filter(counts["count"] > 1)[distinct.name]
    del distinct, counts
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
