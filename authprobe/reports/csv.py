"""The CSVs for the registrar: exceptions (who does not match, and who the first load would
not load cleanly) and the pre-flight (one row per SIS record, `--preflight-csv`).

The SIS reference (file:line), the population, the field and its value (masked unless
--show-values), and the reason. Cells that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, tab or carriage return) are prefixed with an apostrophe (OWASP advice). The
files start with a UTF-8 byte order mark, so that Excel opens them as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Protocol, TextIO

from authprobe.model import ABSENT, Mismatch, Outcome, Report, Severity
from authprobe.reports.mask import reveal, reveal_reference

HEADER = ("sis_reference", "population", "sis_field", "value", "reason", "alma_references")
PREFLIGHT_HEADER = (
    "sis_reference",
    "user_group",
    "outcome",
    "what_the_load_does",
    "match_id_type",
    "match_value",
    "evidence",
    "alma_references",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.MISSING_MATCH_ID: "rejected: the record has no {field}",
    Outcome.REJECTED_IN_FEED: "rejected: an identifier is used twice in this load",
    Outcome.AMBIGUOUS: "not loaded: several users already in Alma hold this {field}",
    Outcome.NOT_EXTERNAL: "not loaded: the user in Alma with this {field} is an internal user",
    Outcome.REJECTED_TAKEN: "rejected: another user already in Alma holds one of its identifiers",
    Outcome.UPDATE: "updates the user already in Alma",
    Outcome.CREATE_DUPLICATE: "creates a second user for a person already in Alma",
    Outcome.CREATE: "creates a new user",
}
"""What the first load does to a record, in the registrar's words (the CSVs; the code stays in
the `outcome` column for filtering)."""


def reason_in_words(reason: str, field: str) -> str:
    """Why a record does not match, as a registrar says it: `no primary_id`, not `absent`."""
    return f"no {field}" if reason == ABSENT else reason


def outcome_in_words(outcome: Outcome, field: str) -> str:
    """What the first load does to a record (see `OUTCOME_WORDS`)."""
    return OUTCOME_WORDS[outcome].format(field=field)


def safe_cell(value: str) -> str:
    """`value`, made inert for spreadsheets when it starts like a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


FINDINGS_HEADER = ("code", "severity", "field", "reference", "value", "detail")


class Occurrence(Protocol):
    """One place a rule fired (a lint or build occurrence)."""

    @property
    def code(self) -> str: ...
    @property
    def ref(self) -> str: ...
    @property
    def field(self) -> str | None: ...
    @property
    def value(self) -> str | None: ...
    @property
    def detail(self) -> str: ...
    @property
    def severity(self) -> Severity: ...


class FindingsCsv:
    """`--findings-csv FILE` of `sis scan`, `alma scan`, `sis build`: one row per occurrence,
    written while the input is read (value masked unless `show_values`; cells made inert)."""

    def __init__(self, handle: IO[str], show_values: bool) -> None:
        handle.write(BOM)  # a byte order mark: Excel opens the file as UTF-8
        self.writer = csv.writer(handle)
        self.show_values = show_values
        self.rows = 0
        self.writer.writerow(FINDINGS_HEADER)

    def __call__(self, occurrence: Occurrence) -> None:
        value = "" if occurrence.value is None else reveal(occurrence.value, self.show_values)
        cells = (
            str(occurrence.code),
            occurrence.severity.value,
            occurrence.field or "",
            occurrence.ref,
            value,
            occurrence.detail,
        )
        self.writer.writerow([safe_cell(cell) for cell in cells])
        self.rows += 1


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
                reason_in_words(row.reason, sis_field),
                "",
            )
        )


def _refs(refs: Iterable[str], show_values: bool) -> str:
    return "; ".join(reveal_reference(r, show_values) for r in refs)


def preflight_problem_rows(
    report: Report, *, show_values: bool = False
) -> Iterator[tuple[str, ...]]:
    """Exceptions CSV rows for the SIS records the first load would not load cleanly."""
    if report.preflight_rows is None or report.preflight is None:
        return
    field = report.preflight.match_field
    for row in report.preflight_rows:
        if row.outcome.clean:
            continue
        words = outcome_in_words(row.outcome, field)
        said = row.evidence and row.evidence not in words  # no "(no primary_id)" twice
        reason = f"first load: {words}" + (f" ({row.evidence})" if said else "")
        yield tuple(
            safe_cell(cell)
            for cell in (
                reveal_reference(row.sis_ref, show_values),
                row.population or "",
                field,
                reveal(row.value, show_values),
                reason,
                _refs(row.alma_refs, show_values),
            )
        )


def exceptions_csv_rows(report: Report, *, show_values: bool = False) -> list[tuple[str, ...]]:
    """Every row of the exceptions CSV: the records that do not match under the recommendation
    (none when nothing is recommended), then those the first load would not load cleanly."""
    rows: list[tuple[str, ...]] = []
    if report.recommendation is not None:
        field = report.recommendation.correspondence.sis_field
        rows.extend(exception_rows(report.exceptions, field, show_values=show_values))
    rows.extend(preflight_problem_rows(report, show_values=show_values))
    return rows


def render_exceptions_csv(
    report: Report, *, show_values: bool = False, rows: list[tuple[str, ...]] | None = None
) -> str:
    """The whole CSV text: the header, then `rows` (default: `exceptions_csv_rows`)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(exceptions_csv_rows(report, show_values=show_values) if rows is None else rows)
    return buffer.getvalue()


def preflight_rows(report: Report, *, show_values: bool = False) -> Iterator[tuple[str, ...]]:
    """Every SIS record's predicted outcome, in load order (the `--preflight-csv` rows)."""
    if report.preflight_rows is None or report.preflight is None:
        return
    field = report.preflight.match_field
    for row in report.preflight_rows:
        yield tuple(
            safe_cell(cell)
            for cell in (
                reveal_reference(row.sis_ref, show_values),
                row.population or "",
                row.outcome.value,
                outcome_in_words(row.outcome, field),
                field,
                reveal(row.value, show_values),
                row.evidence,
                _refs(row.alma_refs, show_values),
            )
        )


def write_preflight_csv(report: Report, handle: TextIO, *, show_values: bool = False) -> int:
    """Write the pre-flight CSV (BOM, header, one row per SIS record); the number of rows."""
    handle.write(BOM)
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(PREFLIGHT_HEADER)
    rows = 0
    for row in preflight_rows(report, show_values=show_values):
        writer.writerow(row)
        rows += 1
    return rows
