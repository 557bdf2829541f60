"""Sources: everything that reads a directory, an IdP or an SIS extract and yields `Record`s.

Every reader has the same shape (`RecordSource`): `records()` streams, `stats` counts what was
read and what was skipped (and why), `summary()` describes the input for the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from authprobe.model import InputSummary, ReadStats, Record, SourceKind


class RecordSource(Protocol):
    """A stream of records from one input (file, folder, zip, server)."""

    source: SourceKind
    kind: str
    location: str
    stats: ReadStats

    def records(self) -> Iterator[Record]:
        """Yield every record; count every skipped one in `stats`."""
        ...

    def summary(self) -> InputSummary:
        """The input as the report lists it (valid after `records()` was consumed)."""
        ...


def population_from_dn(dn: str) -> str | None:
    """The first OU of a DN (`CN=x,OU=Students,OU=People,DC=c` -> `Students`), else None."""
    for rdn in _split_dn(dn):
        name, _, value = rdn.partition("=")
        if name.strip().lower() == "ou" and value:
            return value.strip()
    return None


def _split_dn(dn: str) -> Iterator[str]:
    """Split a DN on unescaped commas."""
    part: list[str] = []
    escaped = False
    for char in dn:
        if escaped:
            part.append(char)
            escaped = False
        elif char == "\\":
            part.append(char)
            escaped = True
        elif char == ",":
            yield "".join(part)
            part = []
        else:
            part.append(char)
    if part:
        yield "".join(part)
