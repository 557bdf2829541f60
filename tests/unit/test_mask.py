"""Masking keeps shapes and lengths, hides people."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from authprobe.reports.mask import BULLET, mask, mask_reference, reveal


def test_number_keeps_ends_and_length() -> None:
    """A 10-digit number shows two digits at each end and keeps its length."""
    assert mask("0012345678") == "00••••••78"


def test_email_keeps_domain_and_first_letter() -> None:
    """An email shows its first letter and its domain only."""
    assert mask("jdoe@college.ca") == "j•••@college.ca"


def test_short_values_are_mostly_hidden() -> None:
    """Values of 1-3 characters show at most their first character."""
    assert mask("ab") == "a" + BULLET
    assert mask("x") == BULLET


def test_dn_reference_hides_the_person_not_the_ou() -> None:
    """A DN keeps its OU path (a population) but hides the person's name."""
    masked = mask_reference("CN=Smith\\, Jane,OU=Students,DC=college,DC=ca")
    assert masked.startswith("CN=S")
    assert "Jane" not in masked
    assert "mith" not in masked
    assert masked.endswith(",OU=Students,DC=college,DC=ca")
    assert mask_reference("users.xml:120") == "users.xml:120"


def test_reveal_only_with_show_values() -> None:
    """reveal() returns the value itself only when asked."""
    assert reveal("123456", True) == "123456"
    assert reveal("123456", False) != "123456"


@given(st.text(min_size=1, max_size=40))
def test_mask_preserves_length(value: str) -> None:
    """Masked values are exactly as long as the originals."""
    assert len(mask(value)) == len(value)


@given(st.text(alphabet="0123456789", min_size=4, max_size=20))
def test_mask_hides_at_least_half_of_a_number(value: str) -> None:
    """At least half of the characters of a number are bullets."""
    assert mask(value).count(BULLET) * 2 >= len(value)
