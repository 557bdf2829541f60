"""Counts in words: singular for exactly one, plural otherwise, verbs agreeing."""

from __future__ import annotations

import pytest

from authprobe.analysis.preflight_findings import _OUTCOME_MESSAGES
from authprobe.wording import agree, plural


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 users"), (1, "1 user"), (2, "2 users"), (12345, "12,345 users")],
)
def test_plural_of_a_regular_word(count: int, expected: str) -> None:
    """1 user, 0 users, 12,345 users (thousands separated)."""
    assert plural(count, "user") == expected


def test_plural_of_an_irregular_word() -> None:
    """The plural form given is used for every count but one."""
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"


def test_agree_settles_every_choice() -> None:
    """Each `[one|many]` choice follows the count; other brackets stay as they are."""
    template = "{n} record[|s] [has|have] [it is|they are] in [sis] and [a|b c|d]"
    assert agree(template, 1) == "{n} record has it is in [sis] and [a|b c|d]"
    assert agree(template, 2) == "{n} records have they are in [sis] and [a|b c|d]"


@pytest.mark.parametrize("message", list(_OUTCOME_MESSAGES.values()))
def test_preflight_messages_read_right_for_one_record(message: str) -> None:
    """The pre-flight findings say "1 SIS record has/finds/carries", never "1 SIS record(s)"."""
    one = agree(message, 1).format(n="1", field="primary_id")
    assert one.startswith("1 SIS record ")
    assert "(s)" not in one
    assert "[" not in one
    many = agree(message, 2).format(n="2", field="primary_id")
    assert many.startswith("2 SIS records ")


def test_no_output_says_s_in_parentheses() -> None:
    """No message or template of authprobe writes "record(s)": counts are settled with
    plural/agree
    (http(s):// and ldap(s):// are URL schemes, CA(s) a help text)."""
    import re
    from pathlib import Path

    root = Path(__file__).parents[2] / "authprobe"
    allowed = re.compile(r"(http|ldap)\(s\)|CA\(s\)|\(s\.get|_text\(s\)")
    found = [
        f"{path.name}:{number}"
        for path in [*root.rglob("*.py"), *root.rglob("*.j2")]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"[a-z]\((s|es|ies)\)", allowed.sub("", line))
        and not line.lstrip().startswith("#")
    ]
    assert found == []
