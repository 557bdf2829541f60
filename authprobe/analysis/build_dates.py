"""Dates for `sis build`: reading the exports' dates and applying rules such as
`TermEnd + 1 year` (the rules' syntax is buildconfig.DateRule)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from authprobe.buildconfig import EXPIRY, TODAY, DateRule

_ISO = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]*)?(?:Z|[+-]\d{2}:?\d{2})?\s*$")


@lru_cache(maxsize=1 << 16)
def read_date(text: str, date_format: str | None = None) -> date | None:
    """`text` as a date (YYYY-MM-DD with an optional time or zone, or `date_format`); None if
    it is not one."""
    try:
        if date_format:
            return datetime.strptime(text.strip(), date_format).date()
        match = _ISO.match(text)
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def shift(day: date, months: int, days: int) -> date | None:
    """`day` plus `months` (the day clamped to the month's end) and `days`; None past year 9999."""
    try:
        if months:
            years, month = divmod(day.month - 1 + months, 12)
            year = day.year + years
            day = date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
        return day + timedelta(days=days)
    except (ValueError, OverflowError):
        return None


def apply_rule(
    rule: DateRule,
    value_of: dict[str, str],
    *,
    today: date,
    expiry: date | None = None,
) -> date | None:
    """The rule's date for one person (None when its base is missing).

    `value_of` maps the rule's base column (`column:<name>`) to the person's date, already read
    as YYYY-MM-DD (an unreadable cell was reported and left out when the row was read).
    """
    kind = rule.base_kind
    if kind == "date":
        base = rule.literal
    elif kind == TODAY:
        base = today
    elif kind == EXPIRY:
        base = expiry
    else:
        text = value_of.get("column:" + rule.base)
        base = read_date(text) if text else None
    if base is None:
        return None
    return shift(base, rule.months, rule.days)
