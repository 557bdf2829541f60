"""One search request of a scan, and what both decoders make of its answer.

A page is the list of entries not counted by a fast profile, each `(DN, attributes, ranged)`:
`attributes` maps each name to its text values, `ranged` lists the `(attribute;range=…, next
range)` pairs Active Directory sent in part, to be fetched before the entry becomes a record.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from authprobe.sources.ldap.limits import TRUNCATION_VALUES

Page = list[tuple[str, dict[str, list[str]], list[tuple[str, str]]]]


class Request(NamedTuple):
    """What one search asks for."""

    base: str
    filter: str
    scope: str
    attributes: tuple[str, ...]
    controls: list[Any] | None


def next_range(attribute: str) -> str | None:
    """`member;range=0-1499` -> `1500-*`; `member;range=1500-*` -> None (last chunk)."""
    for option in attribute.split(";")[1:]:
        if option.lower().startswith("range="):
            low_high = option[6:]
            _, _, high = low_high.partition("-")
            if high == "*":
                return None
            try:
                return f"{int(high) + 1}-*"
            except ValueError:
                return None
    return None


def cut_values(dn: str, name: str, count: int) -> str | None:
    """The truncation sign for `count` values of `name` sent without `;range=`, if any."""
    if count in TRUNCATION_VALUES:
        return f"{dn}: {name} has exactly {count} values"
    return None
