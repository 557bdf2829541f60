"""Records saved by `ldap scan --save FILE.jsonl.gz`, and the one place that opens a directory.

The save format is JSON lines, gzip-compressed, one object per line:
- line 1, the header: `{"format": "authprobe-records", "version": 1, "source": "directory",
  "kind": "ldap", "location": "ldaps://dc1.college.ca:636", "saved_at": "..."}`;
- one line per record: `{"ref": DN, "attrs": {name: [values]}, "population": ..., "info": {}}`;
- the last line, the trailer: `{"summary": {"records": N, "skipped": {reason: count}}}`.
A file without its trailer was cut short and is refused (exit 4).

`open_directory(spec)` turns what the user typed after `--directory` (or `ldap scan`) into a
`RecordSource`: an ldap:// or ldaps:// URL, an LDIF export, a CSV export (csvde, Get-ADUser), a
Microsoft Entra ID export (Graph JSON, admin center or Get-MgUser CSV), or a saved file.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from authprobe import runtime
from authprobe.errors import InputError, at_line
from authprobe.model import InputSummary, ReadStats, Record, SourceKind
from authprobe.sources import RecordSource
from authprobe.sources.tabular import Table

FORMAT: Final = "authprobe-records"
VERSION: Final = 1
SAVED_SUFFIXES: Final = (".jsonl.gz", ".jsonl")


def _open_for_writing(path: Path, *, gz: bool) -> IO[str]:
    if gz:
        binary = gzip.GzipFile(path, "wb")
        return io.TextIOWrapper(binary, encoding="utf-8", newline="\n")
    return path.open("w", encoding="utf-8", newline="\n")


def _open_saved(path: Path, what: str) -> IO[bytes]:
    """The (inflated) bytes of a saved file, within the input budget and the gzip bomb guard."""
    if path.name.endswith(".gz"):
        return runtime.open_gzip(path, what)
    return runtime.open_input(path, what)


def save_records(records: Iterable[Record], path: Path, source: RecordSource) -> Iterator[Record]:
    """Pass `records` through while writing them to `path` (header, records, trailer).

    The trailer is written when the stream is exhausted, with `source`'s final counts; the file
    is written under a temporary name and renamed then; an interrupted scan leaves no file.
    """
    partial = path.with_name(path.name + ".partial")
    try:
        with _open_for_writing(partial, gz=path.name.endswith(".gz")) as out:
            header = {
                "format": FORMAT,
                "version": VERSION,
                "source": source.source.value,
                "kind": source.kind,
                "location": source.location,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            out.write(json.dumps(header, ensure_ascii=False) + "\n")
            dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
            for record in records:
                row: dict[str, Any] = {"ref": record.ref, "attrs": record.attrs}
                if record.population is not None:
                    row["population"] = record.population
                if record.info:
                    row["info"] = record.info
                out.write(dumps(row) + "\n")
                yield record
            summary = source.summary()
            out.write(
                json.dumps(
                    {"summary": {"records": summary.records, "skipped": dict(summary.skipped)}}
                )
                + "\n"
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)


class SavedRecords:
    """Records from a `--save` file (`RecordSource`): no server needed."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.stats = ReadStats(files=1)
        self.source = SourceKind.DIRECTORY
        self.kind = "saved"
        self.saved_from: str | None = None
        self.saved_kind: str | None = None

    def summary(self) -> InputSummary:
        """The input as the report lists it (kind `saved`, location of the file)."""
        return self.stats.summary(self.kind, self.source, self.location, files=1)

    def _bad(self, line: int, what: str) -> InputError:
        return InputError(
            "saved-records-malformed",
            f"Not a complete authprobe records file: {what}.",
            location=at_line(self.path, line),
            hint="Re-run `authprobe ldap scan ... --save FILE.jsonl.gz`; the file may be cut"
            " short or not written by authprobe.",
        )

    def records(self) -> Iterator[Record]:
        """Yield the saved records; restore the saved skip counts at the end."""
        self.stats = ReadStats(files=1)
        number = 0
        what = "saved records file"
        try:
            with _open_saved(self.path, what) as handle:
                finished = False
                limit = runtime.limits().entry_bytes
                lines = runtime.read_lines(handle, self.path, what, limit, whole="record line")
                for number, raw in enumerate(lines, 1):
                    line = raw.decode("utf-8")
                    if finished:
                        raise self._bad(number, "data after the trailer")
                    row = self._parse(line, number)
                    if number == 1:
                        self._header(row, number)
                        continue
                    if "summary" in row:
                        summary = row["summary"]
                        for reason, count in dict(summary.get("skipped", {})).items():
                            self.stats.skipped[str(reason)] += int(count)
                        finished = True
                        continue
                    yield self._record(row, number)
                if not finished:
                    raise self._bad(number, "the trailer line is missing")
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            raise self._bad(number + 1, f"unreadable ({exc})") from exc

    def _parse(self, line: str, number: int) -> dict[str, Any]:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise self._bad(number, "a line is not JSON") from None
        if not isinstance(row, dict):
            raise self._bad(number, "a line is not a JSON object")
        return row

    def _header(self, row: dict[str, Any], number: int) -> None:
        if row.get("format") != FORMAT or row.get("version") != VERSION:
            raise self._bad(number, "the header is not authprobe-records version 1")
        self.source = SourceKind(row.get("source", "directory"))
        self.saved_from = row.get("location")
        self.saved_kind = row.get("kind")

    def _record(self, row: dict[str, Any], number: int) -> Record:
        try:
            attrs = {str(k): tuple(str(v) for v in values) for k, values in row["attrs"].items()}
            record = Record(
                ref=str(row["ref"]),
                attrs=attrs,
                population=row.get("population"),
                info={str(k): str(v) for k, v in dict(row.get("info", {})).items()},
            )
        except (KeyError, AttributeError, TypeError) as exc:
            raise self._bad(number, f"a record lacks {exc}") from None
        self.stats.records += 1
        return record


def is_url(spec: str) -> bool:
    """True for ldap:// and ldaps:// URLs."""
    return spec.lower().startswith(("ldap://", "ldaps://"))


def open_directory(
    spec: str,
    *,
    settings: Any = None,
    exclude_disabled: bool = False,
    also_read: tuple[str, ...] = (),
    base: str | None = None,
    search_filter: str | None = None,
    plan: runtime.ReadPlan | None = None,
) -> RecordSource:
    """A directory `RecordSource` for an LDAP URL, an LDIF, CSV or saved .jsonl(.gz) file, or
    a Microsoft Entra ID export (Graph JSON file or folder of pages, admin center / Get-MgUser
    CSV), recognised by its content.

    `settings` (an `LdapSettings`) is used for URLs; without it they come from the environment
    (AUTHPROBE_LDAP_USER, AUTHPROBE_LDAP_PASSWORD, AUTHPROBE_LDAP_CA_FILE, ...). `also_read`
    names attributes a server must return besides all user attributes (`*`), e.g. the
    operational entryUUID. `base` and `search_filter` narrow the search of a URL (default: the
    server's base, the person filter of its kind). `plan` says how an LDIF export may be read
    (a large one by a forked child process).
    """
    if is_url(spec):
        from authprobe.sources.ldap.directory import LdapDirectory
        from authprobe.sources.ldap.settings import settings_from_environment

        return LdapDirectory(
            settings or settings_from_environment(spec),
            exclude_disabled=exclude_disabled,
            attributes=("*", *also_read),
            base=base,
            search_filter=search_filter,
        )
    if "://" in spec:
        from authprobe.errors import UsageError

        raise UsageError(
            "directory-url-unsupported",
            f"Only ldap:// and ldaps:// URLs can be read ({spec.split('://')[0]}:// given).",
            hint="Give ldap://HOST, ldaps://HOST, or an LDIF / CSV export file.",
        )
    return _open_export(spec, exclude_disabled, plan)


def _open_export(
    spec: str, exclude_disabled: bool, plan: runtime.ReadPlan | None = None
) -> RecordSource:
    """The reader of a directory export file (or folder of Entra pages), by its content."""
    path = Path(spec)
    if not path.exists():
        raise InputError(
            "input-not-found",
            f"The directory export {spec} does not exist.",
            location=spec,
            hint="Check the path; give an LDIF or CSV export, an Entra ID export (Graph JSON or"
            " CSV), a saved .jsonl.gz, or an LDAP URL.",
        )
    runtime.refuse_special(path, "directory export")  # a FIFO or a device: before any open
    from authprobe.sources.directory_files.entra import EntraExport, check_header
    from authprobe.sources.directory_files.entra_pages import detect

    entra = detect(path)
    if entra:
        if entra == "entra-csv":
            check_header(Table(path))
        return EntraExport(path, csv=entra == "entra-csv", exclude_disabled=exclude_disabled)
    name = path.name.lower()
    if name.endswith(SAVED_SUFFIXES):
        return SavedRecords(path)
    if name.endswith(".csv"):
        from authprobe.sources.directory_files.adcsv import AdCsvExport

        check_header(Table(path))
        return AdCsvExport(path, exclude_disabled=exclude_disabled)
    from authprobe.sources.directory_files.ldif import LdifFile

    return LdifFile(path, exclude_disabled=exclude_disabled, plan=plan)
