"""Directory exports as CSV: `csvde` and `Get-ADUser ... | Export-Csv`.

- csvde: a `DN` column, LDAP attribute names, multi-valued attributes joined with `;`, binary
  values written as `X'0a1b...'` hex; UTF-8 or UTF-16 (`csvde -u`).
- Export-Csv: an optional `#TYPE ...` first line, a `DistinguishedName` column, PowerShell
  property names (`ObjectGUID` and `SID` already as text, `Enabled` True/False); multi-valued
  properties appear as the type name `...ADPropertyValueCollection` (PowerShell does not
  export their values): such cells are counted, not profiled.
The same `EntryConverter` as for LDIF and live LDAP decides person entries, spellings, GUIDs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

from authprobe.errors import InputError, at_line
from authprobe.model import InputSummary, ReadStats, Record, SourceKind
from authprobe.sources.directory_files.entries import EntryConverter
from authprobe.sources.ldap import ad
from authprobe.sources.tabular import Table

DN_COLUMNS: Final = ("dn", "distinguishedname")
COLLECTION_MARK: Final = "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"
SKIP_COLLECTION: Final = "multi-valued property not exported by Export-Csv"


class AdCsvExport:
    """A csvde or Export-Csv file of directory entries (`RecordSource`)."""

    source = SourceKind.DIRECTORY
    kind = "csv"

    def __init__(self, path: Path, *, exclude_disabled: bool = False) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.stats = ReadStats(files=1)
        self.exclude_disabled = exclude_disabled
        self.disabled = 0

    def summary(self) -> InputSummary:
        """The input as the report lists it."""
        return self.stats.summary(self.kind, self.source, self.location, files=1)

    def _bad(self, line: int, what: str) -> InputError:
        return InputError(
            "csv-malformed",
            f"Malformed CSV export: {what}.",
            location=at_line(self.path, line),
            hint="Export again with csvde or `Get-ADUser ... | Export-Csv -NoTypeInformation"
            " -Encoding UTF8`.",
        )

    def records(self) -> Iterator[Record]:
        """Yield each person row as a record (the CSV itself is read by `tabular.Table`)."""
        self.stats = ReadStats(files=1)
        converter = EntryConverter(self.stats, exclude_disabled=self.exclude_disabled)
        table = Table(self.path, stats=self.stats)
        header = list(table.header)
        lowered = [name.lower() for name in header]
        dn_index = next((lowered.index(c) for c in DN_COLUMNS if c in lowered), -1)
        csvde = "dn" in lowered
        enabled_index = lowered.index("enabled") if "enabled" in lowered else -1
        plain: dict[int, str | None] = {}  # column -> spelling, None: not plain text
        for row in table.rows():
            location = at_line(self.path, row.line)
            dn = row.cells[dn_index] if dn_index >= 0 else location
            attrs: dict[str, list[str]] = {}
            disabled: bool | None = None
            for index, (name, cell) in enumerate(zip(header, row.cells, strict=True)):
                if index == dn_index or not cell:
                    continue
                if index == enabled_index:
                    disabled = cell.strip().lower() == "false"
                if cell == COLLECTION_MARK:
                    self.stats.skip(SKIP_COLLECTION, f"{location} {name}")
                    continue
                if index not in plain:  # decided once per column, at its first value
                    plain[index] = _plain_spelling(converter, name)
                spelled = plain[index]
                for value in cell.split(";") if csvde else [cell]:
                    if csvde and value.startswith("X'") and value.endswith("'"):
                        try:
                            raw = bytes.fromhex(value[2:-1])
                        except ValueError:
                            raise self._bad(row.line, f"bad hex value in {name}") from None
                        converter.add(attrs, name, raw, location)
                    elif spelled is None:
                        converter.add(attrs, name, value, location)
                    elif spelled in attrs:
                        attrs[spelled].append(value)
                    else:
                        attrs[spelled] = [value]
            record = converter.finish(dn, attrs, disabled=disabled)
            if record is not None:
                yield record
        self.disabled = converter.disabled


def _plain_spelling(converter: EntryConverter, name: str) -> str | None:
    """The spelling under which text values of column `name` are added as they are, or None
    when `EntryConverter.add` must see each value (secrets, GUIDs written as text)."""
    if ad.is_secret(name) or ad.is_guid_attribute(name):
        return None
    return converter.spell(name)
