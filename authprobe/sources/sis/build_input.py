"""The registrar's and HR's exports that `sis build` reads: CSV/TSV tables, columns mapped to the
Alma fields the extract fills (plus the person key and the columns date rules name).

Each row comes with its reference (`file:line`) so every finding names the file and row. Rows
with fewer or more cells than the header are not silently dropped: `on_skip` hears each one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from authprobe import runtime
from authprobe.buildconfig import PERSON
from authprobe.errors import InputError, UsageError
from authprobe.model import ReadStats
from authprobe.sources.tabular import Table
from authprobe.wording import plural

BUILD_FIELDS = frozenset(
    {
        "primary_id",
        "first_name",
        "middle_name",
        "last_name",
        "user_group",
        "job_category",
        "campus_code",
        "birth_date",
        "expiry_date",
        "purge_date",
        "status",
        "email",
        PERSON,
    }
)
"""Fields a column of a build source can fill (plus any `identifier:<ID_TYPE>`)."""

COLUMN = "column:"
"""Prefix of a field that is only a column a date rule reads (`column:TermEnd`)."""


def parse_build_map(specs: Sequence[str], source: str) -> dict[str, str]:
    """`["primary_id=StudentNo", "identifier:BARCODE=Card"]` -> {field: column} (exit 2 if bad)."""
    mapping: dict[str, str] = {}
    for spec in specs:
        field, equals, column = spec.partition("=")
        field, column = field.strip(), column.strip()
        if not equals or not field or not column:
            raise UsageError(
                "sis-map-syntax",
                f"Source {source}: map entry {spec!r} is not FIELD=COLUMN.",
                hint="For example primary_id=StudentNo or identifier:BARCODE=Card.",
            )
        is_type = field.startswith("identifier:") and len(field) > len("identifier:")
        if field not in BUILD_FIELDS and not is_type:
            raise UsageError(
                "sis-map-field",
                f"Source {source}: {field!r} is not a field `sis build` fills.",
                hint="Use primary_id, identifier:<ID_TYPE>, person (the person key), email, or "
                "one of: "
                + ", ".join(sorted(BUILD_FIELDS - {"primary_id", "email", PERSON}))
                + ". record_type (PUBLIC) and account_type (EXTERNAL) are always written.",
            )
        if field in mapping:
            raise UsageError(
                "sis-map-field",
                f"Source {source}: {field} is mapped twice.",
                hint="Map each field to one column.",
            )
        mapping[field] = column
    return mapping


def _label(path: Path) -> str:
    """The path as references show it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


class _Listening(ReadStats):
    """ReadStats that also tells `on_skip` about every skipped row (not only the first five)."""

    def __init__(self, on_skip: Callable[[str, str], None]) -> None:
        super().__init__()
        self.on_skip = on_skip

    def skip(self, reason: str, location: str) -> None:
        """Count the row, and report it."""
        super().skip(reason, location)
        self.on_skip(reason, location)


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row: its `file:line` and its cells, in the order of `BuildTable.fields`."""

    ref: str
    cells: tuple[str, ...]


class BuildTable:
    """One build source (one or more CSV/TSV files read with the same map)."""

    def __init__(
        self,
        name: str,
        paths: Sequence[Path],
        mapping: dict[str, str],
        *,
        columns: Sequence[str] = (),
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self.name = name
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise UsageError("build-source-empty", f"Source {name} names no file.")
        for path in self.paths:
            runtime.refuse_special(path, "export")  # a device or a FIFO: say what it is
            if not path.is_file():
                raise InputError(
                    "build-source-missing",
                    "This export does not exist.",
                    location=str(path),
                    hint="Check the path (relative paths in authprobe.toml are relative to it).",
                )
        self.mapping = dict(mapping)
        for column in columns:
            self.mapping.setdefault(COLUMN + column, column)
        self.fields: tuple[str, ...] = tuple(self.mapping)
        self.encoding = encoding
        self.delimiter = delimiter
        self.rows_read = 0

    def rows(self, on_skip: Callable[[str, str], None]) -> Iterator[SourceRow]:
        """Every data row of every file; a malformed row goes to `on_skip(reason, file:line)`."""
        stats = _Listening(on_skip)
        for path in self.paths:
            label = _label(path)
            table = Table(
                Path(label), delimiter=self.delimiter, encoding=self.encoding, stats=stats
            )
            indexes = [table.column(column) for column in self.mapping.values()]
            for row in table.rows():
                cells = row.cells
                self.rows_read += 1
                yield SourceRow(f"{label}:{row.line}", tuple([cells[i] for i in indexes]))


def read_code_table(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> dict[str, str]:
    """The user group code table: first column the SIS's code, second Alma's user group code
    (a header row first). Returns {casefolded SIS code: Alma code}; a code listed twice with two
    different Alma codes is refused (exit 4, with its line)."""
    stats = ReadStats()
    table = Table(path, encoding=encoding, delimiter=delimiter, stats=stats)
    if len(table.header) < 2:
        raise InputError(
            "code-table-columns",
            "A user group code table needs two columns: the SIS code, then the Alma code.",
            location=f"{path}:{table.header_line}",
            hint="For example a header `sis_code,alma_user_group` and rows `UG,STUDENT`.",
        )
    codes: dict[str, str] = {}
    lines: dict[str, int] = {}
    for row in table.rows():
        sis, alma = row.cells[0].strip(), row.cells[1].strip()
        if not sis:
            continue
        key = sis.casefold()
        if key in codes and codes[key] != alma:
            raise InputError(
                "code-table-conflict",
                f"The SIS code {sis!r} is listed twice, as {codes[key]!r} (line {lines[key]}) "
                f"and as {alma!r}.",
                location=f"{path}:{row.line}",
                hint="Keep one Alma user group per SIS code.",
            )
        if not alma:
            raise InputError(
                "code-table-empty-code",
                f"The SIS code {sis!r} has no Alma user group code.",
                location=f"{path}:{row.line}",
                hint="Give the Alma code in the second column.",
            )
        codes[key], lines[key] = alma, row.line
    if stats.skipped:
        reason, count = next(iter(stats.skipped.items()))
        raise InputError(
            "code-table-malformed",
            f"{plural(count, 'row')} of the code table cannot be read ({reason}).",
            location=stats.skipped_examples[reason][0],
            hint="Each row holds the SIS code and the Alma code.",
        )
    return codes
