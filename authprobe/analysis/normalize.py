"""Normalisations: explicit, ordered steps applied cumulatively before values are compared.

exact -> trim -> casefold -> strip-scope -> strip-leading-zeros -> digits-only

Each step is a plain `str -> str` function. The later steps only act on values of the shape they
are meant for (strip-scope only touches `user@scope`, strip-leading-zeros only all-digit values,
digits-only only values with at least four digits), so they never turn text into noise.
digits-only also drops leading zeros (as strip-leading-zeros does for all-digit values), so
`S-00123` and a directory's `00123` still meet whichever steps were adopted before it.
"""

from __future__ import annotations

from collections.abc import Callable

Step = Callable[[str], str]


def trim(value: str) -> str:
    """Remove leading and trailing whitespace."""
    return value.strip()


def casefold(value: str) -> str:
    """Compare without letter case (Alma's identifiers and emails are case-insensitive)."""
    return value.casefold()


def strip_scope(value: str) -> str:
    """`jdoe@college.ca` -> `jdoe` (the part before the last @); other values unchanged."""
    local, at, _scope = value.rpartition("@")
    return local if at and local else value


def strip_leading_zeros(value: str) -> str:
    """`000123` -> `123` for all-digit values; other values unchanged."""
    if value.isdigit() and value.isascii():
        return value.lstrip("0") or "0"
    return value


def digits_only(value: str) -> str:
    """`S-0012 345` -> `12345`: the digits without leading zeros, when the value holds at least
    four digits; else unchanged."""
    digits = "".join(char for char in value if char.isdigit() and char.isascii())
    return (digits.lstrip("0") or "0") if len(digits) >= 4 else value


EXACT = "exact"
STEPS: dict[str, Step] = {
    "trim": trim,
    "casefold": casefold,
    "strip-scope": strip_scope,
    "strip-leading-zeros": strip_leading_zeros,
    "digits-only": digits_only,
}
"""Every step, in the order they are applied."""

STEP_NAMES: tuple[str, ...] = (EXACT, *STEPS)

TRANSFORMING = frozenset({"trim", "strip-scope", "strip-leading-zeros", "digits-only"})
"""Steps that someone must carry out (IdP claim rule or SIS export); Alma does casefold itself."""

MERGING = frozenset({"strip-scope", "strip-leading-zeros", "digits-only"})
"""Steps that can turn two different identifiers into one (`abc1234` and `xyz1234` -> `1234`,
`jdoe@college.ca` and `jdoe@alumni.college.ca` -> `jdoe`, `0123` and `123` -> `123`): the
cross-check adopts them only when they join no different people. trim and casefold only drop
differences Alma or a typist makes (the duplicates they reveal are reported as such)."""


def normalise(value: str, upto: str) -> str:
    """Apply every step from the first up to and including `upto` (`exact` = unchanged)."""
    if upto == EXACT:
        return value
    for name, step in STEPS.items():
        value = step(value)
        if name == upto:
            return value
    raise ValueError(f"unknown normalisation step {upto!r}")


def chain(upto: str) -> Callable[[str], str]:
    """The composed function of `normalise(…, upto)`, for hot loops."""
    if upto == EXACT:
        return _identity
    names = list(STEPS)
    if upto not in STEPS:
        raise ValueError(f"unknown normalisation step {upto!r}")
    steps = [STEPS[name] for name in names[: names.index(upto) + 1]]

    def apply(value: str) -> str:
        for step in steps:
            value = step(value)
        return value

    return apply


def _identity(value: str) -> str:
    return value
