"""The limits directory servers put on one answer, each named once.

Active Directory cuts a search result at `MAX_PAGE_SIZE` entries (MaxPageSize) and a value list
at `MAX_VALUE_RANGE` values (MaxValRange); when it does so without saying (no paging control in
the reply, no `;range=` option on the attribute), a result of exactly that size is the sign that
something was cut.
"""

from __future__ import annotations

from typing import Final

MAX_PAGE_SIZE: Final = 1000
"""AD's MaxPageSize: the most entries one page (or one unpaged result) holds."""
MAX_VALUE_RANGE: Final = 1500
"""AD's MaxValRange: the most values of one attribute sent at once; more come in ranges
(`member;range=0-1499`). Mirrored in `_bercount.c` as `MAX_VALUE_RANGE` (a test checks)."""

TRUNCATION_SIZES: Final = (MAX_PAGE_SIZE, MAX_VALUE_RANGE)
"""Entries in one result that suggest the server cut it."""
TRUNCATION_VALUES: Final = (MAX_VALUE_RANGE,)
"""Values of one attribute that suggest the server cut the list (without `;range=`)."""
