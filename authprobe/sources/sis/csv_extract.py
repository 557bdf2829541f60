"""SIS extracts as CSV/TSV: columns mapped to Alma fields (`--map FIELD=COLUMN`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from authprobe.errors import UsageError
from authprobe.model import InputSummary, ReadStats, Record, SourceKind
from authprobe.sources.sis.user_xml import INFO_FIELDS
from authprobe.sources.sis.xml_files import not_found
from authprobe.sources.tabular import Table

MAPPABLE = frozenset({"primary_id", "email", *INFO_FIELDS})
"""Fields a CSV column can be mapped to (plus any `identifier:<ID_TYPE>`)."""


def parse_mapping(specs: Sequence[str], *, option: str = "--map") -> dict[str, str]:
    """`["primary_id=StudentNo", "identifier:BARCODE=Card"]` -> {field: column}."""
    mapping: dict[str, str] = {}
    for spec in specs:
        field, equals, column = spec.partition("=")
        field, column = field.strip(), column.strip()
        if not equals or not field or not column:
            raise UsageError(
                "sis-map-syntax",
                f"{option} {spec!r} is not FIELD=COLUMN.",
                hint=f"For example {option} primary_id=StudentNo {option} identifier:BARCODE=Card.",
            )
        type_ = field.partition(":")[2] if field.startswith("identifier:") else None
        if field not in MAPPABLE and not type_:
            raise UsageError(
                "sis-map-field",
                f"{option} {spec!r}: {field!r} is not an Alma user field authprobe reads.",
                hint="Use primary_id, identifier:<ID_TYPE>, email, or one of: "
                + ", ".join(sorted(MAPPABLE - {"primary_id", "email"})),
            )
        mapping[field] = column
    return mapping


def default_mapping(header: Sequence[str]) -> dict[str, str]:
    """Columns already named like Alma fields (`primary_id`, `identifier:BARCODE`, ...)."""
    mapping: dict[str, str] = {}
    for column in header:
        name = column.strip()
        if name.lower() in MAPPABLE:
            mapping[name.lower()] = column
        elif name.lower().startswith("identifier:") and name.partition(":")[2]:
            mapping[f"identifier:{name.partition(':')[2]}"] = column
    return mapping


class SisCsv:
    """A CSV/TSV SIS extract whose columns are mapped to Alma fields (`RecordSource`)."""

    source = SourceKind.SIS
    kind = "sis-csv"
    map_option = "--map"

    def __init__(
        self,
        paths: Sequence[Path],
        mapping: dict[str, str] | None = None,
        *,
        delimiter: str | None = None,
        encoding: str | None = None,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.location = ", ".join(str(p) for p in self.paths)
        self.mapping = dict(mapping or {})
        self.delimiter = delimiter
        self.encoding = encoding
        self.stats = ReadStats()
        for path in self.paths:
            if not path.is_file():
                raise not_found(path)

    def records(self) -> Iterator[Record]:
        """Yield one `Record` per data row of every file."""
        self.stats = ReadStats()
        for path in self.paths:
            table = Table(path, delimiter=self.delimiter, encoding=self.encoding, stats=self.stats)
            mapping = self.mapping or default_mapping(table.header)
            if not mapping:
                raise UsageError(
                    "sis-map-missing",
                    "No column of this CSV is mapped to an Alma field.",
                    hint=f"Say which column holds what, e.g. {self.map_option} "
                    f"primary_id=StudentNo {self.map_option} identifier:BARCODE=Card "
                    f"{self.map_option} user_group=Program.",
                )
            self.stats.files += 1
            yield from self._rows(table, mapping)

    def _rows(self, table: Table, mapping: dict[str, str]) -> Iterator[Record]:
        columns = [(field, table.column(column)) for field, column in mapping.items()]
        label = str(table.path)
        stats = self.stats
        for row in table.rows():
            cells = row.cells
            attrs: dict[str, tuple[str, ...]] = {}
            info: dict[str, str] = {}
            for field, index in columns:
                value = cells[index]
                if not value.strip():
                    continue
                if field == "primary_id" or field.startswith("identifier:"):
                    attrs[field] = (value,)
                elif field == "email":
                    attrs["email"] = (value,)
                    attrs["email:all"] = (value,)
                else:
                    info[field] = value.strip()
            stats.records += 1
            yield Record(
                ref=f"{label}:{row.line}",
                attrs=attrs,
                population=info.get("user_group"),
                info=info,
            )

    def summary(self) -> InputSummary:
        """The extract as the report lists it."""
        return self.stats.summary(self.kind, self.source, self.location, files=self.stats.files)
