"""What values look like: the shape of a value (`9 digits, leading zero`, `email @college.ca`),
whether Alma would find it awkward, and a field's shapes summed by records.

`analysis/_profile.c` does the same in C (`value_shape`, `clean_shape`, `shape_counts`,
`shape_column`); these are the reference it is tested against (tests/unit/test_profile_fast.py).
"""

from __future__ import annotations

import re
from collections import Counter
from string import ascii_uppercase

WHITESPACE = "leading/trailing whitespace"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SID = re.compile(r"^S-1-\d+(-\d+)+$")
AWKWARD = re.compile(r"[\s/?#%]|[^\x00-\x7f]")
"""Characters Alma identifiers should not hold: whitespace, `/ ? # %` (they break the REST
path), non-ASCII."""

Summary = tuple[dict[str, int], int, int | None, int | None, bool]
"""`profile.FieldProfiler.summary`: records by shape, records of awkward values, the shortest
and the longest value, whether casefolding may change a value."""
_ASCII_AWKWARD = tuple(chr(c) for c in range(128) if AWKWARD.match(chr(c)))
"""The ASCII characters `AWKWARD` matches (searched one by one: far faster than the regex)."""


def has_awkward(text: str) -> bool:
    """Whether `AWKWARD` matches anywhere in `text` (the same answer, at C speed)."""
    if not text.isascii():
        return True
    return any(char in text for char in _ASCII_AWKWARD)


def may_fold(text: str) -> bool:
    """Whether `str.casefold` may change `text` (False: it surely does not)."""
    return not text.isascii() or any(char in text for char in ascii_uppercase)


def _case(value: str) -> str:
    if value.islower():
        return "lower"
    if value.isupper():
        return "UPPER"
    return "Mixed"


def value_shape(value: str) -> str:
    """A short description of what a value looks like, e.g. `9 digits, leading zero`."""
    if not value.strip():
        return "blank"
    if value != value.strip():
        return WHITESPACE
    if " " in value:
        return "text with spaces"
    return clean_shape(value)


def shape_awkward(value: str) -> tuple[str, bool]:
    """`value_shape(value)` and whether `AWKWARD` matches it (`_profile.shape_counts` asks this
    of every value it does not shape itself: non-ASCII ones)."""
    return value_shape(value), AWKWARD.search(value) is not None


def clean_shape(value: str) -> str:
    """`value_shape(value)` for a non-empty value without whitespace, `/ ? # %` or non-ASCII
    (what `has_awkward` rules out): the same branches, minus those that cannot apply."""
    if value.isdigit():
        if len(value) > 1 and value[0] == "0":
            return f"{len(value)} digits, leading zero"
        return f"{len(value)} digits"
    if "@" in value:
        local, _, domain = value.rpartition("@")
        if local and "." in domain:
            return f"email @{domain.lower()}"
    if value.isalpha():
        return f"{_case(value)} letters"
    if value.isalnum():
        return f"{_case(value)} alnum"
    if _UUID.match(value):
        return "uuid"
    if _SID.match(value):
        return "sid (S-1-…)"
    return f"{_case(value)} alnum+{''.join(sorted({c for c in value if not c.isalnum()}))}"[:40]


def add_summaries(first: Summary, second: Summary) -> Summary:
    """The `profile.FieldProfiler.summary` of the records of two profilers together."""
    shapes = dict(first[0])
    for shape, count in second[0].items():
        shapes[shape] = shapes.get(shape, 0) + count
    shortest = [n for n in (first[2], second[2]) if n is not None]
    longest = [n for n in (first[3], second[3]) if n is not None]
    return (
        shapes,
        first[1] + second[1],
        min(shortest, default=None),
        max(longest, default=None),
        first[4] or second[4],
    )


def summed_shapes(
    counts: dict[str, int], joined: str, single: bool
) -> tuple[dict[str, int], int, int | None, int | None]:
    """`value_shape` of the values of `counts` summed by records, the records of values `AWKWARD`
    matches, the shortest and longest length (`joined`: the values joined by "\x01"; `single`:
    every value held by one record). The reference of `_profile.shape_counts`."""
    lengths = set(map(len, counts))
    # one scan of all values; each value only when something awkward is found somewhere
    clean = not has_awkward(joined)
    awkward = 0
    if not clean:
        awkward = sum(count for value, count in counts.items() if AWKWARD.search(value))
    shape_of = clean_shape if clean and "" not in counts else value_shape
    shapes: dict[str, int]
    if single:  # every value held by one record: count the shapes in C
        shapes = Counter(map(shape_of, counts))
    else:
        shapes = {}
        for value, count in counts.items():
            shape = shape_of(value)
            shapes[shape] = shapes.get(shape, 0) + count
    return shapes, awkward, min(lengths, default=None), max(lengths, default=None)
