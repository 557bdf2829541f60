"""Records read by a forked child process and passed to this one (`runtime.ForkedBatches`).

A reader whose plan is parallel (`runtime.ReadPlan`) forks a child that reads (part of) its
input; the child passes each record on as a row, `CHILD_BATCH` at a time, and this process
rebuilds the records, in the same order with the same contents. The SIS reader shares a large
extract this way (`sis/extract.py`), the LDIF reader a large export (`directory_files/ldif.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

from authprobe import runtime
from authprobe.model import Record

Row = tuple[str, Any, Any, Any]
"""A record as the child passes it on: (ref, attrs, population, info)."""
CHILD_BATCH: Final = 2000
"""Records per batch the reading child passes on."""


def record_rows(
    read: Callable[[], Iterator[Record]], keep: frozenset[str] | None
) -> Iterator[list[Row]]:
    """In the reading child: the records `read()` yields as rows, `CHILD_BATCH` at a time, each
    `info` cut to the keys in `keep` (all of them if None). The rows read before an error are
    passed on before it."""
    rows: list[Row] = []
    try:
        for record in read():
            info = record.info
            if keep is not None and info:
                info = {key: value for key, value in info.items() if key in keep}
            rows.append((record.ref, record.attrs, record.population, info))
            if len(rows) >= CHILD_BATCH:
                yield rows
                rows = []
    except Exception:
        if rows:
            yield rows
        raise
    if rows:
        yield rows


def child_records(child: runtime.ForkedBatches[Row, Any]) -> Iterator[Record]:
    """Here: the child's records, rebuilt from its rows; the child is reaped at the end (or
    when the caller stops early)."""
    try:
        for rows in child:
            for ref, attrs, population, info in rows:
                yield Record(ref, attrs, population, info)
    finally:
        child.close()
