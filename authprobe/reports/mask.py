"""Masking of identifier values: shapes, lengths and counts stay visible, people do not.

`0012345678` -> `00••••••78`, `jdoe@college.ca` -> `j•••@college.ca`. Masked values keep
their length, so a reader can still see that one value is longer than the others.
"""

from __future__ import annotations

BULLET = "•"


def _mask_plain(value: str) -> str:
    keep = min(2, len(value) // 4)
    if keep == 0:
        return value[:1] + BULLET * (len(value) - 1) if len(value) > 1 else BULLET
    return value[:keep] + BULLET * (len(value) - 2 * keep) + value[-keep:]


def mask(value: str) -> str:
    """Mask one identifier value (emails keep their domain, which is a shape, not a person)."""
    if not value:
        return value
    local, at, domain = value.rpartition("@")
    if at and local:
        return local[:1] + BULLET * (len(local) - 1) + "@" + domain
    return _mask_plain(value)


def reveal(value: str, show_values: bool) -> str:
    """`value` itself when the user asked for --show-values, else its mask."""
    return value if show_values else mask(value)


def mask_reference(reference: str) -> str:
    """Mask the person in a reference: the first RDN value of a DN (`CN=J•••••••,OU=Staff,…`).

    File references (`users.xml:120`) name no one and stay as they are.
    """
    name, equals, rest = reference.partition("=")
    if not equals or "," not in rest or " " in name.strip():
        return reference
    value, comma, tail = _split_first_rdn(rest)
    return f"{name}={value[:1]}{BULLET * max(0, len(value) - 1)}{comma}{tail}"


def _split_first_rdn(rest: str) -> tuple[str, str, str]:
    escaped = False
    for index, char in enumerate(rest):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            return rest[:index], ",", rest[index + 1 :]
    return rest, "", ""


def reveal_reference(reference: str, show_values: bool) -> str:
    """`reference` itself with --show-values, else with the person masked."""
    return reference if show_values else mask_reference(reference)
