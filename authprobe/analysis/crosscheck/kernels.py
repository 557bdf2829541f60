"""The normalisation steps of `analysis/normalize.py`, vectorised on polars columns.

Each kernel returns the new values and whether any value changed. They are exact for ASCII
values; the non-ASCII rows are overwritten afterwards with the results of Python's own step
(`python_exact`, and `CollectedSide` for the chains), so every result equals Python's exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from authprobe.analysis.crosscheck import fullsets
from authprobe.analysis.normalize import STEPS

ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
"""What Python's str.strip() removes in ASCII."""
FULL: tuple[str, ...] = tuple(STEPS)
"""Every step, in order: a value fully normalised."""
CUMULATIVE: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (name, FULL[: index + 1]) for index, name in enumerate(STEPS)
)
"""(step, the steps up to it): how each pair is measured, step after step."""
_SCRATCH = "v"  # the one column of a scratch frame


def ordered(steps: Iterable[str]) -> tuple[str, ...]:
    """These steps in the order they are applied."""
    wanted = set(steps)
    return tuple(step for step in STEPS if step in wanted)


def _trim(values: pl.Series) -> tuple[pl.Series, bool]:
    new = values.str.strip_chars(ASCII_SPACE)
    return new, new.str.len_bytes().sum() != values.str.len_bytes().sum()


def _casefold(values: pl.Series) -> tuple[pl.Series, bool]:
    if not values.str.contains("[A-Z]").any():
        return values, False
    return values.str.to_lowercase(), True


def _masked(
    values: pl.Series, mask: pl.Series, func: Callable[[pl.Series], pl.Series]
) -> tuple[pl.Series, bool]:
    if not mask.any():
        return values, False
    rows = mask.arg_true()
    old = values.gather(rows)
    new = func(old)
    if new.str.len_bytes().sum() == old.str.len_bytes().sum():
        return values, False  # these steps only ever shorten a value
    return values.clone().scatter(rows, new), True


def _strip_scope(values: pl.Series) -> tuple[pl.Series, bool]:
    # an @ after the first character: the part before the last @ is not empty
    return _masked(
        values,
        values.str.contains("(?s).@"),
        lambda s: s.str.replace("(?s)@[^@]*$", ""),
    )


def _strip_leading_zeros(values: pl.Series) -> tuple[pl.Series, bool]:
    if not values.str.starts_with("0").any():
        return values, False
    value = pl.col(_SCRATCH)
    stripped = value.str.strip_chars_start("0")
    new = (
        pl.DataFrame({_SCRATCH: values})
        .select(
            pl.when(value.str.starts_with("0") & value.str.contains("^[0-9]+$"))
            .then(pl.when(stripped.str.len_bytes() == 0).then(pl.lit("0")).otherwise(stripped))
            .otherwise(value)
        )
        .to_series()
        .alias(values.name)
    )
    return new, new.str.len_bytes().sum() != values.str.len_bytes().sum()


def _digits_only(values: pl.Series) -> tuple[pl.Series, bool]:
    # values with four digits or more change unless they are all digits without a leading zero
    mask = values.str.contains("[0-9][^0-9]*[0-9][^0-9]*[0-9][^0-9]*[0-9]") & ~(
        values.str.contains("^[1-9][0-9]*$")
    )
    if not mask.any():
        return values, False
    rows = mask.arg_true()
    digits = values.gather(rows).str.replace_all(_ASCII_NON_DIGITS, "")
    stripped = digits.str.strip_chars_start("0")  # leading zeros go, but `0000` -> `0`
    empty = (stripped.str.len_bytes() == 0).arg_true()
    if empty.len():
        stripped = stripped.scatter(empty, "0")
    return values.clone().scatter(rows, stripped), True


_ASCII_NON_DIGITS = "[\\x00-/:-\\x7f]+"
"""Every run of ASCII characters other than 0-9, removed by one regex pass (twice as fast as
`replace_many` of the 118 characters: measured on 1 M values); non-ASCII characters are kept,
and non-ASCII values are redone by Python's own step."""


Kernel = Callable[[pl.Series], tuple[pl.Series, bool]]
"""(values) -> (new values, whether any changed)."""
POLARS_STEPS: dict[str, Kernel] = {
    "trim": _trim,
    "casefold": _casefold,
    "strip-scope": _strip_scope,
    "strip-leading-zeros": _strip_leading_zeros,
    "digits-only": _digits_only,
}
"""Step name -> its kernel in polars (the reference of the C kernels)."""


def _in_c(step: str, polars: Kernel) -> Kernel:
    def kernel(values: pl.Series) -> tuple[pl.Series, bool]:
        fast = fullsets.step_column(values, step)
        return fast if fast is not None else polars(values)

    kernel.__doc__ = f"The {step} step: in C (`_steps_columns.c`) when it was built, else polars."
    return kernel


VECTOR_STEPS: dict[str, Kernel] = {step: _in_c(step, k) for step, k in POLARS_STEPS.items()}
"""Step name -> its kernel: one pass in C over the column (a few times faster than the polars
kernels' regular expressions and masks, measured), or polars'."""


def non_ascii_rows(values: pl.Series) -> pl.Series:
    """The rows whose value is not ASCII (the kernels are exact only for ASCII)."""
    return (values.str.len_bytes() != values.str.len_chars()).arg_true()


def casefold_series(values: pl.Series) -> pl.Series:
    """Python's `str.casefold` on every value (vectorised for ASCII)."""
    return python_exact(values, lambda s: VECTOR_STEPS["casefold"](s)[0], str.casefold)


def python_exact(
    values: pl.Series, vector: Callable[[pl.Series], pl.Series], python: Callable[[str], str]
) -> pl.Series:
    """`vector` on every value, with the non-ASCII values redone by `python`."""
    new = vector(values)
    rows = non_ascii_rows(values)
    if rows.len():
        fixed = [python(value) for value in values.gather(rows).to_list()]
        new = new.clone().scatter(rows, pl.Series(fixed, dtype=pl.String))
    return new
