"""Cross-check: find which SIS field joins to which directory attribute, and how well.

Both sources are collected column-wise (`index.SideIndex`): per field, compact polars columns of
(record number, value), so memory stays near the size of the data. Normalisation steps run as
vectorised polars kernels on ASCII values (`kernels`); the rare non-ASCII values go through the
Python step functions of `normalize.py`, so every result equals Python's exactly. Normalised
values are compared by a 64-bit hash (polars' `hash`): a collision between two different values,
about one chance in 10^7 with a million values on each side, could only add a match. A field's
values under each list of steps are cached per side (`collected.CollectedSide`).

The modules, in the order a run uses them:

- `index`: collecting records column-wise (`SideIndex`, `collect`);
- `columns`: the column store's types and column names;
- `kernels`: the normalisation steps on polars columns;
- `collected`: a collected side's values under any list of steps, populations, name parts;
- `discovery`: which pairs share values at all (a sketch, then an exact count);
- `measure`: one pair joined under one normalisation, both ways;
- `collisions`: the check that a merging step joins no different people;
- `correspond`: every plausible pair measured under each step, steps adopted, measured again;
- `unmatched`: who finds no partner, by population and reason;
- `shared`: values two SIS identifier fields both hold.

`tests/reference_crosscheck.py` is a plain-Python oracle of the same results
(`tests/unit/test_crosscheck_properties.py`).
"""

from __future__ import annotations

from authprobe.analysis.crosscheck.correspond import (
    correspond,
    crosscheck,
    matched_by_population,
)
from authprobe.analysis.crosscheck.index import SideIndex, collect
from authprobe.analysis.crosscheck.shared import SharedIdentifier, shared_identifiers
from authprobe.analysis.crosscheck.unmatched import (
    NOT_FOUND,
    NOT_IN_SIS,
    OTHER_ATTRIBUTE,
    STEP_REASONS,
    unmatched_reasons,
)
from authprobe.model import ABSENT

__all__ = [
    "ABSENT",
    "NOT_FOUND",
    "NOT_IN_SIS",
    "OTHER_ATTRIBUTE",
    "STEP_REASONS",
    "SharedIdentifier",
    "SideIndex",
    "collect",
    "correspond",
    "crosscheck",
    "matched_by_population",
    "shared_identifiers",
    "unmatched_reasons",
]
