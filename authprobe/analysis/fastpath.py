"""The optional C loops of the column collectors (`_columns.c`, built at install).

`LoadColumns.add` (the pre-flight) and `SideIndex.add` (the cross-check) append each record's
values to Python lists, moved into polars columns in bulk. Their loops also exist in C, with the
same appends in the same order; the Python loops stay the reference (tests/unit/
test_columns_c.py) and take any record the C loop leaves (not plain dicts and tuples).
`AUTHPROBE_PURE_COLUMNS=1` (or `AUTHPROBE_PURE_PYTHON=1`, which turns every C path off) makes
new collectors use the Python loops.
"""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    try:
        from authprobe.analysis import _columns
    except ImportError:  # pragma: no cover - depends on the install (no C compiler)
        return None
    return _columns


MODULE = _load()
"""`authprobe.analysis._columns`, or None when it was not built."""
FORCE_PURE = False
"""Set by tests to collect with the Python loops only."""


def columns() -> ModuleType | None:
    """The C module when new collectors may use it, else None."""
    if (
        FORCE_PURE
        or os.environ.get("AUTHPROBE_PURE_COLUMNS")
        or os.environ.get("AUTHPROBE_PURE_PYTHON")
    ):
        return None
    return MODULE
