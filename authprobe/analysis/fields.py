"""The Alma fields that identify a user, and how Alma compares their values (no heavy imports:
`sis scan` and the terminal views use this without loading polars)."""

from __future__ import annotations

PRIMARY_ID = "primary_id"
IDENTIFIER = "identifier:"


def fold(value: str) -> str:
    """A value as Alma compares identifiers: trimmed, without letter case."""
    return value.strip().casefold()


def is_identifier(name: str) -> bool:
    """`primary_id` or `identifier:<ID_TYPE>` (the fields Alma keeps unique)."""
    return name == PRIMARY_ID or name.startswith(IDENTIFIER)
