"""Identifier values shared between SIS fields, against a plain Python reference.

Alma rejects a value that two identifier fields hold (on one user or two, ignoring case):
`shared_identifiers` finds, per field, the records holding such a value, the other fields that
hold one of them, and the first records' references. The reference below works it out with sets
of casefolded values, on one side or two (in-scope and set-aside records).
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from authprobe.analysis.crosscheck import SideIndex, fullsets
from authprobe.analysis.crosscheck.shared import SharedIdentifier, shared_identifiers
from authprobe.model import Record, SourceKind

_FIELDS = ("primary_id", "identifier:BARCODE", "identifier:NET_ID", "email")
_VALUES = st.lists(st.sampled_from(["a1", "A1", "b2", "B2", "c3", "Zoë", "ZOË", "x"]), max_size=3)
_RECORD = st.dictionaries(st.sampled_from(_FIELDS), _VALUES.map(tuple), max_size=4)


def _is_identifier(name: str) -> bool:
    return name == "primary_id" or name.startswith("identifier:")


def _reference(sides: list[list[dict[str, tuple[str, ...]]]]) -> list[SharedIdentifier]:
    rows = [attrs for side in sides for attrs in side]  # numbered across the sides
    refs = [f"r{n}" for side in sides for n in range(len(side))]
    held: dict[str, dict[str, set[int]]] = {}  # field -> casefolded value -> records
    for number, attrs in enumerate(rows):
        for name, values in attrs.items():
            if _is_identifier(name):
                for value in values:
                    held.setdefault(name, {}).setdefault(value.casefold(), set()).add(number)
    found = []
    for name in sorted(held):
        shared = {
            value
            for value in held[name]
            if any(value in held[other] for other in held if other != name)
        }
        if not shared:
            continue
        records = sorted(set().union(*(held[name][value] for value in shared)))
        others = tuple(
            other for other in sorted(held) if other != name and shared & held[other].keys()
        )
        found.append(
            SharedIdentifier(name, len(records), others, tuple(refs[n] for n in records[:3]))
        )
    return found


def _collected(side: list[dict[str, tuple[str, ...]]]) -> SideIndex:
    index = SideIndex(SourceKind.SIS)
    for number, attrs in enumerate(side):
        index.add(Record(f"r{number}", attrs))
    return index


@pytest.mark.parametrize("pure", [False, True], ids=["c-sort", "polars"])
@given(st.lists(st.lists(_RECORD, max_size=12), min_size=1, max_size=2))
@settings(max_examples=200, deadline=None)
@example([[{"primary_id": ("a1",), "identifier:BARCODE": ("A1",)}]])  # one user, two fields
@example([[{"primary_id": ("a1",)}], [{"identifier:NET_ID": ("A1", "b2")}]])  # across sides
@example([[{"primary_id": ("Zoë",), "email": ("zoë",)}, {"identifier:NET_ID": ("ZOË",)}]])
def test_shared_identifiers_match_the_reference(
    pure: bool, sides: list[list[dict[str, tuple[str, ...]]]]
) -> None:
    """Random values (case variants, non-ASCII, several per record, an email field that is
    not an identifier) give the reference's fields, counts, other fields and examples, the
    hashes in two fields found by the C sort or by polars'."""
    fullsets.FORCE_PURE = pure
    try:
        found = shared_identifiers([_collected(side) for side in sides], _is_identifier)
    finally:
        fullsets.FORCE_PURE = False
    assert found == _reference(sides)
