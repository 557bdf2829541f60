"""The exceptions CSV: one row per SIS record that does not match under the recommendation.

For the registrar: the SIS reference (file:line), the population, the field and its value (masked
unless --show-values), and the reason. Cells that a spreadsheet would run as a formula (starting
with `=`, `+`, `-`, `@`, tab or carriage return) are prefixed with an apostrophe (OWASP advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from authprobe.model import Mismatch, Report
from authprobe.reports.mask import reveal, reveal_reference

HEADER = ("sis_reference", "population", "sis_field", "value", "reason")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """`value`, made inert for spreadsheets when it starts like a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def exception_rows(
    rows: Iterable[Mismatch], sis_field: str, *, show_values: bool = False
) -> Iterable[tuple[str, ...]]:
    """The CSV rows (without header), masked unless `show_values`."""
    for row in rows:
        yield tuple(
            safe_cell(cell)
            for cell in (
                reveal_reference(row.sis_ref, show_values),
                row.population or "",
                sis_field,
                reveal(row.value, show_values),
                row.reason,
            )
        )


def render_exceptions_csv(report: Report, *, show_values: bool = False) -> str:
    """The whole CSV text (header first; only the header when nothing is recommended)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    if report.recommendation is not None:
        field = report.recommendation.correspondence.sis_field
        writer.writerows(exception_rows(report.exceptions, field, show_values=show_values))
    return buffer.getvalue()
