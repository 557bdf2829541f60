"""Emails and user_group codes loaded as additional identifiers: every user who shares such a
value with another is rejected by Alma."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from authprobe.analysis.lint.rules import RULES, SOURCE, Code
from authprobe.model import Finding
from authprobe.wording import agree

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _sharing(tally: Counter[str], *, name_values: bool) -> str:
    """` (STUDENT: 3,750 users; STAFF: 650 users)`, or for values that name people only the
    counts: ` (12 of these values are shared, by up to 4 users each)`."""
    shared = sorted(
        ((n, v) for v, n in tally.items() if n > 1), key=lambda item: (-item[0], item[1])
    )
    if not shared:
        return ""
    if name_values:
        listed = "; ".join(f"{value}: {n:,} users" for n, value in shared[:5])
        more = f"; and {len(shared) - 5:,} more" if len(shared) > 5 else ""
        return f" ({listed}{more})"
    if len(shared) == 1:
        return f" (1 of these values is shared by {shared[0][0]:,} users)"
    return f" ({len(shared):,} of these values are shared, by up to {shared[0][0]:,} users each)"


def identifier_misuse(
    counts: Mapping[str, Mapping[str, int]], groups: Iterable[str | None], source: str = SOURCE
) -> list[Finding]:
    """Emails and user_group codes loaded as additional identifiers (`identifier:<TYPE>`).

    `counts` maps each field to its value counts (value -> records holding it, as the field
    profiles count them); `groups` are the user_group codes seen. Every user who shares such a
    value with another is rejected by Alma; the finding says how many users share each.
    """
    codes = {g.strip().casefold() for g in groups if g and g.strip()}
    findings = []
    for field_name, values in counts.items():
        if not field_name.startswith("identifier:"):
            continue
        emails: Counter[str] = Counter()
        group_codes: Counter[str] = Counter()
        for value, n in values.items():
            key = value.strip().casefold()
            if key in codes:
                group_codes[value.strip().upper()] += n
            elif "@" in key and _EMAIL.fullmatch(key):
                emails[key] += n
        for code, tally, name_values in (
            (Code.GROUP_AS_ID, group_codes, True),
            (Code.EMAIL_AS_ID, emails, False),
        ):
            if not tally:
                continue
            n = sum(tally.values())
            message = agree(RULES[code].message, n)
            findings.append(
                Finding(
                    code=code.value,
                    severity=RULES[code].severity,
                    source=source,
                    field=field_name,
                    count=n,
                    message=message.format(
                        n=f"{n:,}", shared=_sharing(tally, name_values=name_values)
                    ),
                )
            )
    return findings
