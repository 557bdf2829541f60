"""Collecting one source column-wise: per field, (record number, value) rows in polars columns.

Records are added one at a time, and each field's rows are moved into polars columns every
`FLUSH_EVERY` records, so memory stays near the size of the data. Fields that never carry an
identifier (`vocab.NOT_IDENTIFIERS`) are not collected; name parts (sn, givenName, the SIS
first and last names) are, to measure how often a value is derived from the name. The
per-record loop runs in C when it was built (`analysis/fastpath.py`), writing each field's
values into buffers of its own that polars takes whole through the Arrow C stream interface
(`_columns_index.c`); `_add` here is the reference it is tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import polars as pl

from authprobe.analysis import fastpath
from authprobe.analysis.crosscheck import fullsets
from authprobe.analysis.crosscheck.collected import CollectedSide
from authprobe.analysis.crosscheck.columns import RECORD, VALUE, Column, concat, frame, series
from authprobe.analysis.crosscheck.kernels import non_ascii_rows
from authprobe.model import Record, SourceKind
from authprobe.vocab import NAME_PART_FIELDS, NOT_IDENTIFIERS

if TYPE_CHECKING:
    from authprobe.analysis import _columns
    from authprobe.analysis.crosscheck._steps import Normalised

FLUSH_EVERY = 10_000
"""Records buffered before their rows are moved into polars columns. The Python loop's lists
hold Python strings: few enough that they are still in the processor's cache when moved
(10,000 entries of 20 attributes: about 12 MB; 50,000 cost about 10 % more CPU,
bench/crosscheck.py at 300k). The C loop's buffers are taken whole: 10,000 and 100,000 cost
the same (1M x 1M, measured)."""

_Slot = tuple[Callable[[int], None], Callable[[str], None]] | int | None
"""How a field is collected: the `append` of its record-number and value lists (the Python
loop), its number in the C loop, or None for a field that never carries an identifier."""
_UNSEEN: Any = object()
_NONE = pl.Series([], dtype=pl.UInt32)


def collects(name: str) -> bool:
    """Whether a `SideIndex` collects the field `name` (every field but those that never carry
    an identifier)."""
    return name.casefold() not in NOT_IDENTIFIERS


class SideIndex(fastpath.Collected):
    """One source, column-wise: per field, (record number, value) rows in polars columns."""

    def __init__(self, source: SourceKind) -> None:
        self.source = source
        self._records = 0
        self._final_at = -1
        self._slots: dict[str, _Slot] = {}
        self._info_kinds: dict[str, bool] = {}
        self._numbers: dict[str, list[int]] = {}
        self._texts: dict[str, list[str]] = {}
        self._fields: dict[str, int] = {}
        """Per collected field, its number in the C loop (which holds its rows)."""
        self._gone: set[str] = set()
        """Fields whose columns were let go (`let_go`)."""
        self._multi: dict[str, list[int]] = {}
        self._chunks: dict[str, list[pl.DataFrame]] = {}
        self._refs: list[str] = []
        self._pops: list[str | None] = []
        self._ref_chunks: list[pl.Series] = []
        self._pop_chunks: list[pl.Series] = []
        self._name_numbers: list[int] = []
        self._name_texts: list[str] = []
        self._name_chunks: list[pl.DataFrame] = []
        self._full: dict[str, Normalised] = {}
        """Per collected field, its values fully normalised as they are flushed (`fullsets`;
        empty without the C module)."""
        self._name_fields: list[str] = []
        """Collected fields that also hold a name part (sn, givenName): read as names too."""
        self._final: CollectedSide | None = None
        module = fastpath.columns()
        self._fast: _columns.IndexCollector | None = None
        if module is not None:
            self._fast = module.IndexCollector(
                self._slots, self._info_kinds, self._slot, self._info_kind, _distinct,
                (self._refs, self._pops, self._name_numbers, self._name_texts), FLUSH_EVERY,
                self._multi,
            )  # fmt: skip

    def _info_kind(self, key: str) -> bool:
        """Whether the info key `key` holds a name part (decided once per key)."""
        is_name = self._info_kinds[key] = key.casefold() in NAME_PART_FIELDS
        return is_name

    def _slot(self, name: str) -> _Slot:
        slot: _Slot = None
        if collects(name):
            self._chunks[name] = []
            self._multi[name] = []
            if name.casefold() in NAME_PART_FIELDS:
                self._name_fields.append(name)
            full = fullsets.new_set()
            if full is not None:
                self._full[name] = full
            if self._fast is not None:
                slot = self._fields[name] = self._fast.field()
            else:
                numbers: list[int] = []
                texts: list[str] = []
                self._numbers[name], self._texts[name] = numbers, texts
                slot = (numbers.append, texts.append)
        self._slots[name] = slot
        return slot

    def _add(self, record: Record) -> None:
        """`add` in Python (the reference of `_columns.IndexCollector.add`); with the C loop,
        a record it leaves (not plain dicts and tuples) is given back to it as such."""
        if self._fast is not None:
            plain = replace(
                record,
                attrs={name: tuple(values) for name, values in record.attrs.items()},
                info=dict(record.info),
            )
            if self._fast.add(plain):
                self._flush()
            return
        number = self.records
        self.records = number + 1
        self._refs.append(record.ref)
        self._pops.append(record.population)
        slots = self._slots
        for name, values in record.attrs.items():
            slot = slots.get(name, _UNSEEN)
            if slot is _UNSEEN:
                slot = self._slot(name)
            if slot is None:
                continue
            assert isinstance(slot, tuple)
            if len(values) == 1:  # the common case, kept short
                slot[0](number)
                slot[1](values[0])
            elif values:
                self._add_values(name, number, values)
        if record.info:
            for key, value in record.info.items():
                is_name = self._info_kinds.get(key)
                if is_name is None:
                    is_name = self._info_kind(key)
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
        if self._fast is not None:
            for name, field in self._fields.items():
                taken = self._fast.take(field)
                if taken is not None:
                    numbers, values = (fullsets.series_of(capsule) for capsule in taken)
                    self._flushed(name, pl.DataFrame({RECORD: numbers, VALUE: values}))
        for name, texts in self._texts.items():
            if texts:
                self._flushed(name, frame(self._numbers[name], texts))
                texts.clear()  # the same lists: their `append` is held by the field's slot
                self._numbers[name].clear()
        if self._refs:  # the lists are emptied in place: the C loop holds them
            self._ref_chunks.append(pl.Series(self._refs, dtype=pl.String))
            self._pop_chunks.append(pl.Series(self._pops, dtype=pl.String))
            self._refs.clear()
            self._pops.clear()
        if self._name_texts:
            self._name_chunks.append(frame(self._name_numbers, self._name_texts))
            self._name_numbers.clear()
            self._name_texts.clear()

    def _flushed(self, name: str, rows: pl.DataFrame) -> None:
        """A chunk of rows of field `name`, added to its chunks (and to its full set)."""
        full = self._full.get(name)
        if full is not None:
            full.add(rows[VALUE].__arrow_c_stream__())
        self._chunks[name].append(rows)

    @property
    def final(self) -> CollectedSide:
        """The collected columns (built on first use after the last `add`)."""
        if self._final is None or self._final_at != self.records:
            self._final_at = self.records
            self._flush()
            self._final = self._collected()
        return self._final

    def _collected(self) -> CollectedSide:
        """The chunks as one column per field; each list of chunks is replaced by its one
        concatenation (one copy of the data, not two)."""
        refs, populations = series(self._ref_chunks), series(self._pop_chunks)
        self._ref_chunks, self._pop_chunks = [refs], [populations]
        columns: dict[str, Column] = {}
        for name, chunks in self._chunks.items():
            if name in self._gone:
                continue
            rows = concat(chunks)
            self._chunks[name] = [rows]
            values = rows[VALUE]
            made = self._full.get(name)  # its C set counted the values that are not ASCII
            odd = _NONE if made is not None and not made.non_ascii else non_ascii_rows(values)
            columns[name] = Column(
                numbers=rows[RECORD],
                values=values,
                multi=pl.Series(self._multi[name], dtype=pl.UInt32),
                odd_rows=odd,
                odd_values=values.gather(odd).to_list(),
            )
        names = concat(self._name_chunks)
        self._name_chunks = [names]
        if self._name_fields:
            names = pl.concat([names, *(self._chunks[f][0] for f in self._name_fields)])
        sets = self._full if len(self._full) == len(columns) else None
        return CollectedSide(self.source, self.records, refs, populations, columns, names, sets)

    def let_go(self, names: Iterable[str]) -> None:
        """Forget the columns of these fields (memory: the cross-check found them in no
        plausible pair, and nothing more is asked of them). `fields` still lists them;
        `final.columns` no longer holds them."""
        final = self.final
        for name in names:
            self._gone.add(name)
            final.columns.pop(name, None)
            final.forget(name)
            self._chunks[name] = []
            self._multi[name].clear()  # the same list: the C loop holds the dict
            self._full.pop(name, None)

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


def _distinct(values: tuple[str, ...]) -> tuple[str, ...]:
    """Each of `values` once, first seen first (the C loop's case of many values)."""
    return tuple(dict.fromkeys(values))


def collect(records: Iterable[Record], source: SourceKind) -> SideIndex:
    """Collect every record of one source."""
    side = SideIndex(source)
    for record in records:
        side.add(record)
    return side
