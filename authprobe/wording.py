"""Counts in words: "1 user", "2,005 users", "1 record has", "3 records have".

    plural(1, "user")                      # '1 user'
    plural(2005, "proxy", "proxies")       # '2,005 proxies'
    agree("{n} record[|s] [has|have] no primary_id", 1)   # '{n} record has no primary_id'

`agree` picks the singular or the plural of every `[one|many]` choice in a message template
(words and spaces only, so other brackets in a message are left alone).
"""

from __future__ import annotations

import re

_CHOICE = re.compile(r"\[([\w ]*)\|([\w ]*)\]")


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` (with thousands separators) and `word`, in the plural unless it is 1."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def agree(template: str, count: int) -> str:
    """`template` with each `[one|many]` choice settled for `count`."""
    return _CHOICE.sub(lambda m: m[1] if count == 1 else m[2], template)
