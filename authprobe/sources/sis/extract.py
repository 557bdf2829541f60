"""Alma SIS extracts: the user XML Alma loads, from files, folders and zips.

`SisExtract` streams every `<user>` of every input as a `Record` (one lxml iterparse pass, leaf-tag
events, elements cleared as soon as they are read, so memory stays flat on a million users).

Fields (`Record.attrs`): `primary_id` (raw, unstripped: whitespace problems stay visible),
`identifier:<ID_TYPE>` per `user_identifier` type, `email` (the preferred address, else the first)
and `email:all`. Names, `user_group`, `status`, dates go to `Record.info`; `user_group` is the
population.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lxml import etree

from authprobe import runtime, xmlsafe
from authprobe.errors import InputError, UnsafeInputError, UsageError, at_line
from authprobe.model import InputSummary, ReadStats, Record, SourceKind
from authprobe.sources import forked
from authprobe.sources.tabular import Table

ROOTS = frozenset({"users", "userRecords"})
"""Root elements of an Alma user file (`userRecords` is what several real producers write)."""

USER_CHILDREN = frozenset(
    {
        "account_type", "birth_date", "campus_code", "cataloger_level", "contact_info",
        "expiry_date", "external_id", "fees", "first_name", "force_password_change", "full_name",
        "gender", "is_researcher", "job_category", "job_description", "last_name",
        "last_patron_activity_date", "library_notices", "linking_id", "loans", "middle_name",
        "password", "pin_number", "pref_first_name", "pref_last_name", "pref_middle_name",
        "pref_name_suffix", "preferred_language", "primary_id", "proxy_for_users", "purge_date",
        "record_type", "requests", "researcher", "rs_libraries", "source_institution_code",
        "source_link_id", "status", "status_date", "user_blocks", "user_group",
        "user_identifiers", "user_notes", "user_roles", "user_statistics", "user_title",
        "web_site_url",
    }
)  # fmt: skip
"""The children of `<user>` that Alma's rest_user.xsd declares (anything else is unknown)."""

INFO_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "user_group",
    "status",
    "record_type",
    "account_type",
    "job_category",
    "campus_code",
    "external_id",
    "expiry_date",
    "purge_date",
    "birth_date",
)
"""Leaf children of `<user>` copied into `Record.info` when not empty."""

_TRUE = frozenset({"true", "1"})
EMPTY_IDENTIFIER = "empty_identifiers"
"""`Record.info` key: the id_types of the record's identifiers whose <value> is empty."""

MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
"""Zip bomb guard: a member over 100 MB inflating more than 200×, or 8 GB in all, is refused."""

_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:(?:<\?.*?\?>|<!--.*?-->)\s*)*<([A-Za-z_][\w.:-]*)([^>]*)>", re.S
)
_XMLNS = re.compile(rb"""xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']""")
_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")
_UTF8 = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


@dataclass(frozen=True, slots=True)
class XmlInput:
    """One XML document to read: a file, or a member of a zip (`label` is `zip!member`)."""

    label: str
    opener: Callable[[], AbstractContextManager[IO[bytes]]]
    size: int = 0
    """Bytes of XML (uncompressed), to share the inputs between two processes."""
    archive: str | None = None
    """The zip it is a member of (None for a file)."""


def _not_found(path: Path) -> InputError:
    runtime.refuse_special(path, "SIS extract")  # a device or a FIFO: say what it is
    return InputError(
        "sis-path-missing",
        "This SIS extract does not exist.",
        location=str(path),
        hint="Check the path; give a user XML file, a folder of them, or a zip.",
    )


def _open_file(path: Path) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    def opener() -> AbstractContextManager[IO[bytes]]:
        return runtime.open_input(path, "SIS extract")

    return opener


def _is_xml_name(name: str) -> bool:
    return name.lower().endswith(".xml")


def _zip_inputs(path: Path, stats: ReadStats) -> list[XmlInput]:
    """The XML members of one zip, in the order stored, after the zip bomb guard."""
    archive = _Archive(path)
    infos = archive.infolist()
    members = []
    total = 0
    for info in infos:
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/") or Path(name).name.startswith("."):
            continue
        if not _is_xml_name(name):
            stats.skip("zip member that is not .xml (ignored)", f"{path}!{name}")
            continue
        _refuse_bomb(path, info)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeInputError(
                "sis-zip-too-large",
                f"The XML in this zip would inflate to more than {MAX_TOTAL_BYTES >> 30} GB; "
                "authprobe refuses it as a possible zip bomb (Alma's own limit is a 4 GB zip).",
                location=str(path),
                hint="Split the extract into several zips.",
            )
        members.append(info)
    if not members:
        raise InputError(
            "sis-zip-no-xml",
            "This zip contains no .xml file, so there is no Alma user data to read.",
            location=str(path),
            hint="Alma SIS zips hold the user XML files themselves (not folders of other zips).",
        )
    # in the order stored: Alma loads the members in that order, and the order decides which
    # of two records holding one identifier is loaded (analysis/preflight, rule 2)
    return [
        XmlInput(f"{path}!{info.filename}", archive.opener(info), info.file_size, str(path))
        for info in members
    ]


def zip_member_counts(inputs: Sequence[XmlInput]) -> dict[str, int]:
    """How many XML members of each zip are among `inputs` (zip path -> count)."""
    counts: dict[str, int] = {}
    for item in inputs:
        if item.archive is not None:
            counts[item.archive] = counts.get(item.archive, 0) + 1
    return counts


def _refuse_bomb(path: Path, info: zipfile.ZipInfo) -> None:
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > MAX_MEMBER_BYTES and ratio > MAX_RATIO:
        raise UnsafeInputError(
            "sis-zip-bomb",
            f"The member {info.filename} would inflate {ratio:,.0f}× to "
            f"{info.file_size:,} bytes; authprobe refuses it as a possible zip bomb "
            f"(limit: {MAX_RATIO}× for members over {MAX_MEMBER_BYTES >> 20} MB).",
            location=f"{path}!{info.filename}",
            hint="Real user XML compresses 5-30×; check where this zip came from.",
        )


def _zip_unreadable(path: Path, exc: BaseException) -> InputError:
    return InputError(
        "sis-zip-unreadable",
        f"This zip cannot be read (truncated or not a zip): {exc}",
        location=str(path),
        hint="Copy or download the zip again; `unzip -t` should list it without errors.",
    )


class _Archive:
    """One zip, opened once per process for all of its members.

    Opening a zip reads its whole central directory; doing that again for each member made a
    zip of n members cost n² (10,000 members: minutes). The open `ZipFile` is not shared with a
    forked child (the file offset would be), so each process opens its own, on first use.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._stream: IO[bytes] | None = None
        self._pid = 0
        self._inherited: list[object] = []

    def _read(self) -> tuple[zipfile.ZipFile, IO[bytes]]:
        stream = runtime.open_input(self.path, "SIS zip")
        try:
            return zipfile.ZipFile(stream), stream
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            stream.close()
            raise _zip_unreadable(self.path, exc) from exc

    def _open(self) -> zipfile.ZipFile:
        if self._zip is not None and self._pid == os.getpid():
            return self._zip
        if self._zip is not None:  # the parent's, inherited by fork: never touch its file
            self._inherited.append((self._zip, self._stream))
        self._zip, self._stream = self._read()
        self._pid = os.getpid()
        return self._zip

    def infolist(self) -> list[zipfile.ZipInfo]:
        """Every entry of the central directory (the zip is closed again: the members are
        read later, perhaps by another process)."""
        archive, stream = self._read()
        with stream, archive:
            return archive.infolist()

    def opener(self, info: zipfile.ZipInfo) -> Callable[[], AbstractContextManager[IO[bytes]]]:
        """What `XmlInput.opener` calls to read the member `info`."""

        def opener() -> AbstractContextManager[IO[bytes]]:
            return _ZipMember(self, info)

        return opener

    def member(self, info: zipfile.ZipInfo) -> IO[bytes]:
        """The inflating stream of one member."""
        return self._open().open(info)

    def __del__(self) -> None:
        if self._zip is not None and self._pid == os.getpid():
            self._zip.close()
            if self._stream is not None:
                self._stream.close()


class _ZipMember(AbstractContextManager[IO[bytes]]):
    """Opens one member of an `_Archive`; closes it (the zip stays open for the next one)."""

    def __init__(self, archive: _Archive, info: zipfile.ZipInfo) -> None:
        self._archive = archive
        self._info = info
        self._stream: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        label = f"{self._archive.path}!{self._info.filename}"
        try:
            self._stream = self._archive.member(self._info)
        except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
            raise _zip_read_error(label, exc) from exc
        except (RuntimeError, NotImplementedError) as exc:  # encrypted, unknown compression
            raise InputError(
                "sis-zip-unsupported",
                f"This zip member cannot be read: {exc}",
                location=label,
                hint="Zip the XML again without a password, with ordinary (deflate) compression.",
            ) from exc
        return self._stream

    def __exit__(self, *exc: object) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def _zip_read_error(label: str, exc: BaseException) -> InputError:
    return InputError(
        "sis-zip-unreadable",
        f"This zip member cannot be decompressed (truncated or corrupt zip): {exc}",
        location=label,
        hint="Copy or download the zip again; `unzip -t` should list it without errors.",
    )


def expand_inputs(paths: Sequence[Path], stats: ReadStats | None = None) -> list[XmlInput]:
    """Every XML document behind `paths`: files, `*.xml` in folders (sorted), zip members."""
    stats = stats if stats is not None else ReadStats()
    inputs: list[XmlInput] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and _is_xml_name(p.name))
            zips = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".zip")
            if not found and not zips:
                raise InputError(
                    "sis-folder-no-xml",
                    "This folder contains no .xml or .zip file.",
                    location=str(path),
                    hint="Point at the folder holding the Alma user XML files.",
                )
            inputs.extend(XmlInput(str(p), _open_file(p), p.stat().st_size) for p in found)
            for zpath in zips:
                inputs.extend(_zip_inputs(zpath, stats))
        elif path.is_file():
            if _is_zip(path):
                inputs.extend(_zip_inputs(path, stats))
            else:
                inputs.append(XmlInput(str(path), _open_file(path), path.stat().st_size))
        else:
            raise _not_found(path)
    return inputs


def _is_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    with runtime.open_input(path, "SIS extract") as stream:
        return stream.read(4) == b"PK\x03\x04"


def _not_alma(label: str, line: int | None, what: str) -> InputError:
    return InputError(
        "sis-not-user-xml",
        f"This is not an Alma user file: {what}. Alma SIS extracts have a <users> "
        "(or <userRecords>) root holding <user> elements.",
        location=at_line(label, line),
        hint="Give the XML the SIS job produces for Alma (or a zip of such files).",
    )


def _not_utf8(label: str, line: int | None, detail: str) -> InputError:
    return InputError(
        "sis-not-utf8",
        f"This SIS file is not UTF-8 ({detail}); Alma loads UTF-8 only.",
        location=at_line(label, line),
        hint="Export the file again as UTF-8 (e.g. `iconv -f cp1252 -t utf-8`).",
    )


@dataclass(frozen=True, slots=True)
class _Root:
    local: str
    namespace: str | None


def sniff_root(head: bytes, label: str) -> _Root:
    """The root element of an Alma user file, from its first bytes; refuse anything else."""
    xmlsafe.refuse_dtd(head, label)
    if not head.strip():
        raise InputError("sis-empty-file", "This SIS file is empty.", location=label)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _not_utf8(label, 1, "it is UTF-16")
    declared = _ENCODING.match(head)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _UTF8:
        raise _not_utf8(label, 1, f"it declares encoding {declared.group(1).decode('ascii')}")
    match = _ROOT.match(head)
    if match is None:
        raise _not_alma(label, 1, "it does not start with an XML element")
    qname = match.group(1).decode("utf-8", "replace")
    prefix, _, local = qname.rpartition(":")
    namespaces = {
        (m.group(1) or b"").decode("utf-8", "replace"): m.group(2).decode("utf-8", "replace")
        for m in _XMLNS.finditer(match.group(2))
    }
    line = head.count(b"\n", 0, match.start(1)) + 1
    if local not in ROOTS and local != "user":
        raise _not_alma(label, line, f"its root element is <{qname}>")
    return _Root(local, namespaces.get(prefix) or None)


_LEAF_PRIMARY = "primary_id"
_IDENTIFIERS = "\x00identifiers"
_CONTACT = "\x00contact"
_intern = sys.intern


class _Tags:
    """Element names in the file's namespace (Clark notation `{ns}name`), or plain."""

    def __init__(self, namespace: str | None) -> None:
        def q(name: str) -> str:
            return f"{{{namespace}}}{name}" if namespace else name

        self.user = q("user")
        self.id_type = q("id_type")
        self.value = q("value")
        self.emails = q("emails")
        self.email_address = q("email_address")
        self.preferred = q("preferred")
        # what to do with each child of <user>: a field name, a marker, or "" (known, not read)
        self.kinds: dict[str, str] = {q(name): "" for name in USER_CHILDREN}
        self.kinds.update({q(name): name for name in INFO_FIELDS})
        self.kinds[q("primary_id")] = _LEAF_PRIMARY
        self.kinds[q("user_identifiers")] = _IDENTIFIERS
        self.kinds[q("contact_info")] = _CONTACT


_TAGS_CACHE: dict[str | None, _Tags] = {}


def _tags(namespace: str | None) -> _Tags:
    tags = _TAGS_CACHE.get(namespace)
    if tags is None:
        tags = _TAGS_CACHE[namespace] = _Tags(namespace)
    return tags


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else "?"


class _UserReader:
    """Turns one complete `<user>` element into a `Record` (direct children, one level down)."""

    def __init__(self, tags: _Tags, stats: ReadStats, label: str) -> None:
        self.tags = tags
        self.stats = stats
        self.label = label

    def read(self, user: Any) -> Record:
        kinds = self.tags.kinds
        info: dict[str, str] = {}
        attrs: dict[str, tuple[str, ...]] = {}
        unknown: list[str] = []
        primary = None
        for child in user:
            kind = kinds.get(child.tag)
            if kind is None:
                if isinstance(child.tag, str):  # not a comment or a processing instruction
                    unknown.append(_local(child.tag))
            elif kind is _LEAF_PRIMARY:
                primary = child.text
            elif kind is _IDENTIFIERS:
                self._identifiers(child, attrs, info)
            elif kind is _CONTACT:
                self._emails(child, attrs, info)
            elif kind:
                text = child.text
                if text is not None:
                    text = text.strip()
                    if text:
                        info[kind] = text
        if primary is not None and primary.strip():
            attrs["primary_id"] = (primary,)
        if unknown:
            info["unknown_elements"] = ",".join(unknown)
        group = info.get("user_group")
        if group is not None:
            group = info["user_group"] = _intern(group)
        return Record(f"{self.label}:{_start_line(user)}", attrs, group, info)

    def _identifiers(
        self, container: Any, attrs: dict[str, tuple[str, ...]], info: dict[str, str]
    ) -> None:
        tags = self.tags
        for identifier in container:
            id_type = value = None
            for child in identifier:
                tag = child.tag
                if tag == tags.id_type:
                    id_type = child.text
                elif tag == tags.value:
                    value = child.text
            if not isinstance(identifier.tag, str):
                continue  # a comment
            id_type = (id_type or "").strip()
            if value is None or not value.strip():
                # Alma rejects the whole record ("Mandatory field is missing: User identifier
                # value"): the lint reports it as an error
                empty = info.get(EMPTY_IDENTIFIER)
                name = id_type or "(no id_type)"
                info[EMPTY_IDENTIFIER] = f"{empty},{name}" if empty else name
                continue
            if not id_type:
                self.stats.skip(
                    "user_identifier without id_type (value ignored)",
                    at_line(self.label, identifier.sourceline),
                )
                continue
            key = f"identifier:{id_type}"
            attrs[key] = (*attrs[key], value) if key in attrs else (value,)

    def _emails(
        self, contact_info: Any, attrs: dict[str, tuple[str, ...]], info: dict[str, str]
    ) -> None:
        tags = self.tags
        addresses: list[str] = []
        preferred: list[str] = []
        for emails in contact_info.iterchildren(tags.emails):
            for email in emails:
                address = None
                flag = (email.get("preferred") or "").strip().lower() in _TRUE
                for child in email:
                    tag = child.tag
                    if tag == tags.email_address:
                        address = child.text
                    elif tag == tags.preferred:
                        flag = flag or (child.text or "").strip().lower() in _TRUE
                if address is None or not address.strip():
                    continue
                addresses.append(address)
                if flag:
                    preferred.append(address)
        if addresses:
            attrs["email"] = (preferred[0] if preferred else addresses[0],)
            attrs["email:all"] = tuple(addresses)
        if len(preferred) > 1:
            info["preferred_emails"] = str(len(preferred))


PARALLEL_MIN_BYTES = 32 * 1024 * 1024
"""`SisExtract(parallel=True)` forks a reading child only for extracts of at least this size."""

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
        parallel: bool = False,
        parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.location = ", ".join(str(p) for p in self.paths)
        self.stats = ReadStats()
        self.schema = schema
        self.parallel = parallel
        """Share a large extract of several files with a forked child process (see `records`)."""
        self.parallel_min_bytes = parallel_min_bytes
        self.zip_members: dict[str, int] = {}
        """XML members per zip read (set by `inputs()`; the lint warns above Alma's 50)."""
        self.child_info_keys: frozenset[str] | None = None
        """With `parallel`: the only `info` keys the caller reads from the child's records (the
        others are not passed between the processes); None passes them all."""
        for path in self.paths:
            if not path.exists():
                raise _not_found(path)

    def inputs(self) -> list[XmlInput]:
        """The XML documents this extract is made of, in reading order."""
        inputs = expand_inputs(self.paths, self.stats)
        self.zip_members = zip_member_counts(inputs)
        return inputs

    def records(self) -> Iterator[Record]:
        """One `Record` per `<user>`, file after file.

        With `parallel` (and `os.fork`), an extract of at least `parallel_min_bytes` is
        shared between two processes: a forked child reads the last files (`split_point`; all
        of a single file) while this process reads the first ones, if any, and then takes the
        child's records, so that the caller's work on the records (profiles, lint) runs beside
        the child's parsing. The records, their order and `stats` are exactly those of one
        process. The child is forked by this call (before a progress bar starts its thread),
        so a problem listing the inputs (an unreadable zip) is raised here, not when iterating.
        """
        if not (self.parallel and forked.available()):
            return self._sequential()
        self.stats = ReadStats()
        inputs = self.inputs()
        split = split_point([item.size for item in inputs], self.parallel_min_bytes)
        if split == len(inputs):
            return self._read_inputs(inputs)
        child = forked.ForkedRecords(
            lambda: self._child_part(inputs[split:]),
            lambda: self.stats,
            info_keys=self.child_info_keys,
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

    def _joined(self, first: Sequence[XmlInput], child: forked.ForkedRecords) -> Iterator[Record]:
        """The first inputs read here, then the child's records; its stats added to ours."""
        try:
            yield from self._read_inputs(first)
            yield from child
        finally:
            child.close()
        theirs = child.stats
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
                raise _not_utf8(label, _line_of(error), "invalid UTF-8 bytes") from error
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise _zip_read_error(label, exc) from exc

    def _users(self, stream: IO[bytes], label: str, root: _Root) -> Iterator[Record]:
        tags = _tags(root.namespace)
        reader = _UserReader(tags, self.stats, label)
        stats = self.stats
        schema = self.schema
        parent = None
        for _event, user in xmlsafe.iterparse(stream, label, tag=tags.user):
            record = reader.read(user)
            if schema is not None and not schema.validate(user):
                record = _with_schema_errors(record, schema)
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
        return InputSummary(
            kind=self.kind,
            source=self.source,
            location=self.location,
            records=self.stats.records,
            skipped=dict(self.stats.skipped),
            files=self.stats.files,
        )


MAX_SCHEMA_ERRORS = 3
SKIP_NOT_USER = "element other than <user> in the user list"


def _skip_element(stats: ReadStats, label: str, element: Any) -> None:
    """Count a child of <users> that is not a <user> (comments and PIs are not elements)."""
    if isinstance(element.tag, str):
        stats.skip(SKIP_NOT_USER, f"{label}:{element.sourceline or '?'}")


def _with_schema_errors(record: Record, schema: etree.XMLSchema) -> Record:
    log: Any = schema.error_log
    entries = list(log)
    errors = [f"line {e.line}: {e.message}" for e in entries[:MAX_SCHEMA_ERRORS]]
    more = len(entries) - len(errors)
    text = "; ".join(errors) + (f"; and {more} more" if more > 0 else "")
    return Record(record.ref, record.attrs, record.population, {**record.info, "xsd_errors": text})


_SCHEMA_LOCATION = re.compile(rb"""schemaLocation\s*=\s*["']([^"']+)["']""")


def load_schema(path: Path) -> etree.XMLSchema:
    """Alma's rest_user.xsd (or another user schema), parsed with the hardened parser.

    Included/imported schemas must be local files beside it; each is checked for DTDs first,
    because libxml2 reads them itself.
    """
    if not path.exists():
        raise InputError("xsd-not-found", "This XML schema does not exist.", location=str(path))
    data = _read_schema(path)
    _check_schema_files(path, set())
    try:
        root = etree.fromstring(data, parser=xmlsafe.parser(), base_url=path.resolve().as_uri())
        return etree.XMLSchema(root)
    except etree.XMLSyntaxError as exc:
        raise InputError(
            "xsd-malformed", f"This XML schema is not well-formed XML: {exc}", location=str(path)
        ) from exc
    except etree.XMLSchemaParseError as exc:
        raise InputError(
            "xsd-unusable",
            f"This is not a usable XML schema: {exc}",
            location=str(path),
            hint="Give Alma's rest_user.xsd with rest_researcher.xsd beside it.",
        ) from exc


def _read_schema(path: Path) -> bytes:
    return runtime.read_small(path, "XML schema", runtime.SMALL_FILE_MAX_BYTES)


def _check_schema_files(path: Path, seen: set[Path]) -> None:
    path = path.resolve()
    if path in seen:
        return
    seen.add(path)
    data = _read_schema(path)
    xmlsafe.refuse_dtd(data[: xmlsafe.PROLOG_PEEK], str(path))
    for match in _SCHEMA_LOCATION.finditer(data):
        target = match.group(1).decode("utf-8", "replace")
        if "://" in target:
            raise UnsafeInputError(
                "xsd-remote-include",
                f"This schema includes {target}; authprobe never fetches schemas from the network.",
                location=str(path),
                hint="Download the included schema and point schemaLocation at the local copy.",
            )
        included = path.parent / target
        if not included.is_file():
            raise InputError(
                "xsd-include-missing",
                f"This schema includes {target}, which is not beside it.",
                location=str(path),
                hint="Keep rest_user.xsd and rest_researcher.xsd in the same folder.",
            )
        _check_schema_files(included, seen)


def _start_line(el: Any) -> int:
    """The line of an element's start tag.

    libxml2 stores lines above 65535 outside the node and then answers with the line where the
    element's first text child *ends*; take back the newlines of that leading text.
    """
    line: int = el.sourceline or 0
    if line >= 65535 and el.text:
        line -= el.text.count("\n")
    return line


def _line_of(error: InputError) -> int | None:
    location = error.location or ""
    _, _, line = location.rpartition(":")
    return int(line) if line.isdigit() else None


# -- CSV / TSV extracts ----------------------------------------------------------------------

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
                raise _not_found(path)

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
        return InputSummary(
            kind=self.kind,
            source=self.source,
            location=self.location,
            records=self.stats.records,
            skipped=dict(self.stats.skipped),
            files=self.stats.files,
        )


class AlmaUsers(SisExtract):
    """The users already in Alma: the user XML of Alma's Export Users job or of the Users API
    (`<users>`/`<user>`, or one `<user>`), read by the same reader as the SIS extract."""

    source = SourceKind.ALMA
    kind = "alma-xml"


class AlmaCsv(SisCsv):
    """The users already in Alma as a CSV/TSV export (an Alma Analytics users report, the old
    ILS patron file used for the migration), columns mapped to Alma fields (`--alma-map`)."""

    source = SourceKind.ALMA
    kind = "alma-csv"
    map_option = "--alma-map"


TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".tab"})


def open_extract(
    paths: Sequence[Path],
    mapping: dict[str, str] | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> SisExtract | SisCsv:
    """The right reader for `paths`: CSV/TSV files (all of them) or Alma user XML."""
    return _open(paths, mapping, delimiter, encoding, (SisExtract, SisCsv))


def open_alma_users(
    paths: Sequence[Path],
    mapping: dict[str, str] | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> SisExtract | SisCsv:
    """The users already in Alma: an XML export (files, folders, zips) or CSV/TSV files."""
    return _open(paths, mapping, delimiter, encoding, (AlmaUsers, AlmaCsv))


def _open(
    paths: Sequence[Path],
    mapping: dict[str, str] | None,
    delimiter: str | None,
    encoding: str | None,
    readers: tuple[type[SisExtract], type[SisCsv]],
) -> SisExtract | SisCsv:
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
    return xml_reader(paths)
