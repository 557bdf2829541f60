"""Alma SIS extracts: the user XML Alma loads, from files, folders and zips.

`SisExtract` streams every `<user>` of every input as a `Record` (one lxml iterparse pass, leaf-tag
events, elements cleared as soon as they are read, so memory stays flat on a million users):
`xml_files` lists the documents, `root` sniffs each one's root element, `user_xml` reads each
`<user>`. `open_extract` picks this reader or the CSV one (`csv_extract`).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from lxml import etree

from authprobe import runtime, xmlsafe
from authprobe.errors import InputError, UsageError
from authprobe.model import InputSummary, ReadStats, Record, SourceKind
from authprobe.sources.forked import Row, child_records, record_rows
from authprobe.sources.sis import fast_users
from authprobe.sources.sis.csv_extract import SisCsv
from authprobe.sources.sis.root import Root, line_of, not_utf8, sniff_root
from authprobe.sources.sis.schema import with_schema_errors
from authprobe.sources.sis.user_xml import UserReader, tags_for
from authprobe.sources.sis.xml_files import (
    XmlInput,
    expand_inputs,
    not_found,
    zip_member_counts,
    zip_read_error,
)

PARALLEL_MIN_BYTES = 32 * 1024 * 1024
"""A `SisExtract` whose plan is parallel forks a reading child only for extracts of at least
this size."""


# Costs per byte of XML, in seconds per 100,000 of the benchmark's users (bench/sis_scan.py on
# 1 M users, both processes busy, as measured with every split): in the child, parsing and
# reading its users and marshalling them; here, parsing, reading, profiling and linting our own
# users, and unmarshalling, profiling and linting each of the child's.
_CHILD_COST = 3.1
_OWN_COST = 4.26
_PASSED_COST = 1.26


def split_point(sizes: Sequence[int], min_bytes: int = PARALLEL_MIN_BYTES) -> int:
    """How many of the inputs (of these sizes) this process reads before a child's share.

    The child reads the rest and passes its records on; this process reads its share and then
    profiles and lints every record. The split balances the two estimated loads: with one
    large file (or one much larger than the others) that is 0, the child reading while this
    process analyses, side by side. It is `len(sizes)` (no child) below `min_bytes` in all.
    """
    total = sum(sizes)
    if not sizes or total < min_bytes:
        return len(sizes)
    best, best_cost = len(sizes), total * _OWN_COST
    done = 0
    for here, size in enumerate(sizes):
        there = total - done
        cost = max(done * _OWN_COST + there * _PASSED_COST, there * _CHILD_COST)
        if cost < best_cost:
            best, best_cost = here, cost
        done += size
    return best


class SisExtract:
    """An Alma SIS extract (XML files, folders of them, zips of them) as a `RecordSource`."""

    source = SourceKind.SIS
    kind = "sis-xml"

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        schema: etree.XMLSchema | None = None,
        plan: runtime.ReadPlan | None = None,
        parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.location = ", ".join(str(p) for p in self.paths)
        self.stats = ReadStats()
        self.schema = schema
        self.plan = plan or runtime.ReadPlan()
        """Whether a large extract is shared with a forked child process (see `records`), and
        the only `info` keys the caller reads (the child passes no others on)."""
        self.parallel_min_bytes = parallel_min_bytes
        self.fallbacks: list[fast_users.Fallback] = []
        """Documents the C fast path handed back to lxml (`fast_users`), for tests and bench."""
        self.zip_members: dict[str, int] = {}
        """XML members per zip read (set by `inputs()`; the lint warns above Alma's 50)."""
        for path in self.paths:
            if not path.exists():
                raise not_found(path)

    def inputs(self) -> list[XmlInput]:
        """The XML documents this extract is made of, in reading order."""
        inputs = expand_inputs(self.paths, self.stats)
        self.zip_members = zip_member_counts(inputs)
        return inputs

    def records(self) -> Iterator[Record]:
        """One `Record` per `<user>`, file after file.

        With a parallel plan (and `os.fork`), an extract of at least `parallel_min_bytes` is
        shared between two processes: a forked child reads the last files (`split_point`; all
        of a single file) while this process reads the first ones, if any, and then takes the
        child's records, so that the caller's work on the records (profiles, lint) runs beside
        the child's parsing. The records, their order and `stats` are exactly those of one
        process. The child is forked by this call (before a progress bar starts its thread),
        so a problem listing the inputs (an unreadable zip) is raised here, not when iterating.
        """
        if not (self.plan.parallel and runtime.can_fork()):
            return self._sequential()
        self.stats = ReadStats()
        inputs = self.inputs()
        split = split_point([item.size for item in inputs], self.parallel_min_bytes)
        if split == len(inputs):
            return self._read_inputs(inputs)
        keep = self.plan.info_keys
        child: runtime.ForkedBatches[Row, ReadStats] = runtime.ForkedBatches(
            lambda: record_rows(lambda: self._child_part(inputs[split:]), keep),
            lambda: self.stats,
            doing="reading the extract",
        )
        return self._joined(inputs[:split], child)

    def _sequential(self) -> Iterator[Record]:
        self.stats = ReadStats()
        yield from self._read_inputs(self.inputs())

    def _read_inputs(self, inputs: Sequence[XmlInput]) -> Iterator[Record]:
        for item in inputs:
            self.stats.files += 1
            with item.opener() as stream:
                yield from self._read(stream, item.label)

    def _child_part(self, inputs: Sequence[XmlInput]) -> Iterator[Record]:
        """In the forked child: the last inputs, counted in the child's own `stats`."""
        self.stats = ReadStats()
        return self._read_inputs(inputs)

    def _joined(
        self, first: Sequence[XmlInput], child: runtime.ForkedBatches[Row, ReadStats]
    ) -> Iterator[Record]:
        """The first inputs read here, then the child's records; its stats added to ours."""
        try:
            yield from self._read_inputs(first)
            yield from child_records(child)
        finally:
            child.close()
        theirs = child.result
        stats = self.stats
        stats.files += theirs.files
        stats.records += theirs.records
        for reason, count in theirs.skipped.items():
            locations = theirs.skipped_examples.get(reason, [])
            for location in locations:  # as if skipped here: the same examples are kept
                stats.skip(reason, location)
            stats.skipped[reason] += count - len(locations)

    def _read(self, stream: IO[bytes], label: str) -> Iterator[Record]:
        try:
            head = stream.read(xmlsafe.PROLOG_PEEK)
            root = sniff_root(head, label)
            stream.seek(0)
            yield from self._users(stream, label, root)
        except InputError as error:
            if error.reference == "xml-malformed" and (
                "UTF-8" in error.message or "encoding" in error.message.lower()
            ):
                raise not_utf8(label, line_of(error), "invalid UTF-8 bytes") from error
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise zip_read_error(label, exc) from exc

    def _users(self, stream: IO[bytes], label: str, root: Root) -> Iterator[Record]:
        """The document's records: by the C parser when it is built (and no schema is checked),
        which hands anything unusual back to `_lxml_users`, the reference."""
        if self.schema is None and fast_users.enabled():
            return fast_users.read_users(
                stream, label, root, self.stats, self._lxml_users, self.fallbacks, SKIP_NOT_USER
            )
        return self._lxml_users(stream, label, root)

    def _lxml_users(self, stream: IO[bytes], label: str, root: Root) -> Iterator[Record]:
        tags = tags_for(root.namespace)
        reader = UserReader(tags, self.stats, label)
        stats = self.stats
        schema = self.schema
        parent = None
        for _event, user in xmlsafe.iterparse(stream, label, tag=tags.user):
            record = reader.read(user)
            if schema is not None and not schema.validate(user):
                record = with_schema_errors(record, schema)
            yield record
            stats.records += 1
            user.clear(keep_tail=True)
            parent = user.getparent()
            if parent is not None:
                while user.getprevious() is not None:
                    if parent[0].tag != tags.user:
                        _skip_element(stats, label, parent[0])
                    del parent[0]
        if parent is not None:  # elements after the last <user>
            for child in parent:
                if child.tag != tags.user:
                    _skip_element(stats, label, child)

    def summary(self) -> InputSummary:
        """The extract as the report lists it."""
        return self.stats.summary(self.kind, self.source, self.location, files=self.stats.files)


SKIP_NOT_USER = "element other than <user> in the user list"


def _skip_element(stats: ReadStats, label: str, element: Any) -> None:
    """Count a child of <users> that is not a <user> (comments and PIs are not elements)."""
    if isinstance(element.tag, str):
        stats.skip(SKIP_NOT_USER, f"{label}:{element.sourceline or '?'}")


TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".tab"})


def open_extract(
    paths: Sequence[Path],
    mapping: dict[str, str] | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    plan: runtime.ReadPlan | None = None,
) -> SisExtract | SisCsv:
    """The right reader for `paths`: CSV/TSV files (all of them) or Alma user XML (read as
    `plan` says; a CSV is read in one process)."""
    return open_reader(paths, mapping, delimiter, encoding, (SisExtract, SisCsv), plan)


def open_reader(
    paths: Sequence[Path],
    mapping: dict[str, str] | None,
    delimiter: str | None,
    encoding: str | None,
    readers: tuple[type[SisExtract], type[SisCsv]],
    plan: runtime.ReadPlan | None = None,
) -> SisExtract | SisCsv:
    """The XML or the CSV reader of `readers`, by the files' suffixes (all CSV/TSV or none)."""
    xml_reader, csv_reader = readers
    paths = [Path(p) for p in paths]
    tables = [p for p in paths if p.suffix.lower() in TABLE_SUFFIXES]
    if tables and len(tables) != len(paths):
        raise UsageError(
            "sis-mixed-inputs",
            "Give either CSV/TSV files or Alma user XML (files, folders, zips), not both.",
            hint="Read the CSV and the XML files separately.",
        )
    if tables:
        return csv_reader(paths, mapping, delimiter=delimiter, encoding=encoding)
    if mapping:
        raise UsageError(
            "sis-map-xml",
            "A column map applies to CSV/TSV files; Alma user XML names its fields itself.",
        )
    return xml_reader(paths, plan=plan)
