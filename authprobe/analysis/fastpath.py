"""The optional C loops of the column collectors (`_columns.c`, built at install).

`LoadColumns.add` (the pre-flight) and `SideIndex.add` (the cross-check) append each record's
values to Python lists, moved into polars columns in bulk. Their loops also exist in C, with the
same appends in the same order; the Python loops stay the reference (tests/unit/
test_columns_c.py) and take any record the C loop leaves (not plain dicts and tuples).
`AUTHPROBE_PURE_COLUMNS=1` (or `AUTHPROBE_PURE_PYTHON=1`, which turns every C path off) makes
new collectors use the Python loops.
"""

from __future__ import annotations

from types import ModuleType
from typing import Protocol

from authprobe.model import Record
from authprobe.runtime import native

MODULE = native.load("authprobe.analysis._columns")
"""`authprobe.analysis._columns`, or None when it was not built."""
FORCE_PURE = False
"""Set by tests to collect with the Python loops only."""


def columns() -> ModuleType | None:
    """The C module when new collectors may use it, else None."""
    if FORCE_PURE or native.pure("AUTHPROBE_PURE_COLUMNS"):
        return None
    return MODULE


class CLoop(Protocol):
    """What both C loops offer (`_columns.Collector`, `_columns.IndexCollector`)."""

    records: int

    def add(self, record: Record, /) -> bool | None: ...


class Collected:
    """The record count and the `add` of a collector whose per-record loop may run in C.

    A subclass sets `_fast` (its C loop, or None) and `_records`, and defines `_add` (the Python
    loop, which numbers the record by `records` and sets it) and `_flush` (lists into columns).
    """

    _fast: CLoop | None
    _records: int

    @property
    def records(self) -> int:
        """Records added."""
        return self._fast.records if self._fast is not None else self._records

    @records.setter
    def records(self, count: int) -> None:
        if self._fast is not None:
            self._fast.records = count
        else:
            self._records = count

    def add(self, record: Record) -> None:
        """Collect one record: the C loop, or the Python one for a record it leaves (not plain
        dicts and tuples) or when it is off."""
        fast = self._fast
        if fast is None:
            self._add(record)
            return
        due = fast.add(record)
        if due is None:
            self._add(record)
        elif due:
            self._flush()

    def _add(self, record: Record) -> None:
        raise NotImplementedError

    def _flush(self) -> None:
        raise NotImplementedError
