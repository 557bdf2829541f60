"""Normalisation steps: each does one thing, to the values it is meant for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authprobe.analysis.normalize import STEP_NAMES, STEPS, chain, normalise


@pytest.mark.parametrize(
    ("step", "value", "expected"),
    [
        ("trim", "  jdoe \t", "jdoe"),
        ("casefold", "JDoe12", "jdoe12"),
        ("strip-scope", "jdoe@college.ca", "jdoe"),
        ("strip-scope", "jdoe", "jdoe"),
        ("strip-scope", "@college.ca", "@college.ca"),
        ("strip-leading-zeros", "000123", "123"),
        ("strip-leading-zeros", "0000", "0"),
        ("strip-leading-zeros", "0a12", "0a12"),
        ("digits-only", "S-0012 345", "12345"),
        ("digits-only", "00123456", "123456"),
        ("digits-only", "S-0000", "0"),
        ("digits-only", "012", "012"),
        ("digits-only", "jdoe12", "jdoe12"),
    ],
)
def test_each_step(step: str, value: str, expected: str) -> None:
    """Each step transforms only the shapes it is meant for."""
    assert STEPS[step](value) == expected


def test_cumulative_chain_applies_every_earlier_step() -> None:
    """`normalise(v, "strip-scope")` trims and casefolds before dropping the scope."""
    assert normalise("  JDoe@College.CA ", "strip-scope") == "jdoe"
    assert normalise("  JDoe ", "exact") == "  JDoe "
    assert chain("casefold")(" ABC ") == "abc"


def test_unknown_step_is_an_error() -> None:
    """Asking for a step that does not exist fails loudly."""
    with pytest.raises(ValueError, match="unknown"):
        normalise("x", "soundex")


@given(st.text(max_size=20), st.text(max_size=20))
def test_steps_are_monotone(a: str, b: str) -> None:
    """Two values equal after one step stay equal after every later step."""
    equal_before = False
    for step in STEP_NAMES:
        equal_now = normalise(a, step) == normalise(b, step)
        assert equal_now or not equal_before
        equal_before = equal_now
