"""LDIF exports (RFC 2849), streamed: `ldapsearch -LLL`, `slapcat`, `ldifde` (.ldf) files.

The file is read line by line and never held in memory: folded lines are joined, comments dropped,
`attr:: base64` decoded, `attr:< URL` counted but not followed. Only person entries become records;
every other entry, binary value or password attribute is counted in `stats` with the reason.

`EntryConverter` (`entries.py`) turns one directory entry (DN + attribute values) into a
`Record`; the live LDAP reader uses it too, so a server and its export give the same records.
`records()` gives the records (a large export may be parsed by a forked child that passes them
on); `profile_into()` counts them into a profile (a large export in two halves at once, each
process counting its own: `ldif_halves.py`).
"""

from __future__ import annotations

import base64
import binascii
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Final

from authprobe import runtime
from authprobe.errors import InputError, at_line
from authprobe.model import InputSummary, ReadStats, Record, SourceKind
from authprobe.sources.directory_files import ldif_fast, ldif_halves
from authprobe.sources.directory_files.entries import SKIP_URL, EntryConverter
from authprobe.sources.directory_files.ldif_halves import HalfSink, Part, Wrap
from authprobe.sources.forked import Row, child_records, record_rows
from authprobe.sources.ldap import ad

PARALLEL_MIN_BYTES: Final = 32 * 1024 * 1024
"""An `LdifFile` whose plan is parallel forks a reading child only for files of this size."""


def _malformed(path: Path, line: int, what: str) -> InputError:
    return InputError(
        "ldif-malformed",
        f"Malformed LDIF: {what}.",
        location=at_line(path, line),
        hint="Check the export (RFC 2849): each line is `attribute: value`, `attribute:: base64`"
        " or a continuation starting with one space; entries are separated by a blank line.",
    )


class LdifFile:
    """A directory export in LDIF, read as a stream of person records (`RecordSource`)."""

    source = SourceKind.DIRECTORY
    kind = "ldif"

    def __init__(
        self,
        path: Path,
        *,
        exclude_disabled: bool = False,
        plan: runtime.ReadPlan | None = None,
        parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    ) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.stats = ReadStats(files=1)
        self.exclude_disabled = exclude_disabled
        self.disabled = 0
        self.plan = plan or runtime.ReadPlan()
        """Whether a large export is read by a forked child process (see `records`)."""
        self.parallel_min_bytes = parallel_min_bytes
        self.spelling: dict[str, str] = {}
        """Once read: each attribute name (lower case) -> its spelling in the records."""

    def summary(self) -> InputSummary:
        """The input as the report lists it (after `records()` was consumed)."""
        return self.stats.summary(self.kind, self.source, self.location, files=1)

    def records(self) -> Iterator[Record]:
        """Every person entry as a record, in file order.

        With a parallel plan (and `os.fork`), an export file of at least `parallel_min_bytes`
        is parsed by a forked child process that passes its records on, so that the caller's
        work on them (profiles, the cross-check index) runs beside the parsing; the records,
        their order, `stats` and `disabled` are exactly those of one process. The child is
        forked by this call (before a progress bar starts its thread).
        """
        if self.plan.parallel and runtime.can_fork() and self._large():
            self.stats = ReadStats(files=1)
            child: runtime.ForkedBatches[Row, tuple[ReadStats, int]] = runtime.ForkedBatches(
                lambda: record_rows(self._sequential, self.plan.info_keys),
                lambda: (self.stats, self.disabled),
                doing="reading the LDIF export",
            )
            return self._from_child(child)
        return self._sequential()

    def profile_into(
        self, sink: HalfSink, new_sink: Callable[[], HalfSink], wrap: Wrap | None = None
    ) -> None:
        """Count every record into `sink`, as `sink.add` for each of `records()` would.

        With a parallel plan (and `os.fork`), a large export is read in two halves at once,
        each process counting its own (`ldif_halves`); `new_sink()` makes an empty sink like
        `sink`. `wrap` goes around the records this process reads (a progress bar).
        """
        wrap = wrap or (lambda records: records)
        if ldif_halves.can_split(self) and ldif_halves.profile_halves(self, sink, new_sink, wrap):
            return
        for record in wrap(self.records()):
            sink.add(record)

    def _large(self) -> bool:
        try:
            return self.path.stat().st_size >= self.parallel_min_bytes
        except OSError:  # stdin, or gone: `open_input` says what is wrong
            return False

    def _from_child(
        self, child: runtime.ForkedBatches[Row, tuple[ReadStats, int]]
    ) -> Iterator[Record]:
        yield from child_records(child)
        self.stats, self.disabled = child.result

    def _sequential(self, part: Part | None = None) -> Iterator[Record]:
        """The records of the file, or of `part` of it (`ldif_halves`: records that only feed
        the profiles, without their population), in one process."""
        self.stats = ReadStats(files=1)
        converter = EntryConverter(self.stats, exclude_disabled=self.exclude_disabled)
        converter.populations = part is None
        stream = runtime.open_input(self.path, "LDIF export")
        first_line, state = 0, _START
        if part is not None:
            stream = part.fence(stream)
            first_line, state = part.first_line, part.state
        with stream:
            if ldif_fast.enabled():
                given = yield from ldif_fast.read(
                    stream, converter, self._parse, state=state, first_line=first_line
                )
                if given is not None:  # the C parser gave up: the reference reads it all again
                    stream.seek(0)
                    self.stats = ReadStats(files=1)
                    converter = EntryConverter(self.stats, exclude_disabled=self.exclude_disabled)
                    converter.populations = part is None
                    records = self._read(stream, converter, state, first_line)
                    deque(islice(records, given), maxlen=0)  # given already, the same
                    yield from records
            else:
                yield from self._read(stream, converter, state, first_line)
        self.disabled = converter.disabled
        self.spelling = converter.spelling

    def _read(
        self, stream: IO[bytes], converter: EntryConverter, state: int, first_line: int
    ) -> Iterator[Record]:
        lines = _logical_lines(stream, self.path, first_line)
        yield from self._parse(lines, converter, {}, state, runtime.limits().entry_bytes)

    def _parse(
        self,
        lines: Iterable[tuple[int, bytes | None]],
        converter: EntryConverter,
        plain: dict[bytes, str],
        state: int,
        entry_limit: int,
    ) -> Generator[Record, None, int]:
        """The records of these logical lines, from `state` (`_START` or `_BETWEEN`); returns the
        state after them. `plain`: `name` as written -> its spelling, for plain text names."""
        dn: str | None = None
        attrs: dict[str, list[str]] = {}
        entry_bytes = 0
        for number, line in lines:
            if line is None:  # blank line: end of entry
                if dn is not None and state == _ENTRY:
                    record = converter.finish(dn, attrs)
                    if record is not None:
                        yield record
                dn, attrs = None, {}
                entry_bytes = 0
                state = _BETWEEN if state != _START else _START
                continue
            if state == _SKIP:
                continue
            entry_bytes += len(line)
            if entry_bytes > entry_limit:
                raise _entry_too_large(self.path, number, entry_limit)
            if dn is not None and _add_plain(attrs, plain, line):
                continue
            name, value = _split_line(line, self.path, number)
            lower = name.lower()
            if dn is None:
                if lower == "version" and state == _START:
                    state = _BETWEEN
                    continue
                if lower in ("search", "result"):  # ldapsearch -L trailer block
                    state = _SKIP
                    continue
                if lower != "dn":
                    raise _malformed(
                        self.path, number, f"an entry starts with `{name}:`, not `dn:`"
                    )
                dn = _text(value, self.path, number)
                state = _ENTRY
                continue
            if lower == "control":
                continue
            if lower == "changetype":
                kind = _text(value, self.path, number).strip().lower()
                if kind != "add":
                    converter.stats.skip(f"changetype {kind} not applied", dn)
                    state = _SKIP
                continue
            if isinstance(value, _Url):
                converter.stats.skip(SKIP_URL, at_line(self.path, number))
                continue
            converter.add(attrs, name, value, at_line(self.path, number))
            if isinstance(value, str) and _is_plain(lower, name):
                plain[line[: line.find(b":")]] = converter.spell(name)
        if dn is not None and state == _ENTRY:
            record = converter.finish(dn, attrs)
            if record is not None:
                yield record
        return state


_START, _BETWEEN, _ENTRY, _SKIP = range(4)


def _is_plain(lower: str, name: str) -> bool:
    """True when every text value of the attribute `name` is added to the entry as it is."""
    return lower not in ("control", "changetype") and not (
        ad.is_secret(name) or ad.is_guid_attribute(name)
    )


def _add_plain(attrs: dict[str, list[str]], plain: dict[bytes, str], line: bytes) -> bool:
    """The hot path: add `name: text` when `name` is known to be plain text (decided once per
    name as written); False for anything else (base64, URL, other names, text that is not
    UTF-8), which `_split_line` and `EntryConverter.add` then handle."""
    colon = line.find(b":")
    spelled = plain.get(line[:colon]) if colon > 0 else None
    if spelled is None:
        return False
    first = line[colon + 1 : colon + 2]
    if first == b":" or first == b"<":
        return False
    try:
        value = line[colon + 1 :].lstrip(b" ").decode("utf-8")
    except UnicodeDecodeError:
        return False
    values = attrs.get(spelled)
    if values is None:
        attrs[spelled] = [value]
    else:
        values.append(value)
    return True


class _Url(str):
    """An `attr:< URL` value (not followed)."""

    __slots__ = ()


def _entry_too_large(path: Path, line: int, limit: int) -> InputError:
    return runtime.too_large(at_line(path, line), "LDIF export", limit, value=True, whole="entry")


def _logical_lines(
    stream: IO[bytes], path: Path, first_line: int = 0
) -> Iterator[tuple[int, bytes | None]]:
    """Join folded lines and drop comments; yield (first line number, content) or (n, None) for
    a blank line. No physical line and no joined value may exceed the value budget.
    `first_line`: the lines before the stream's start (a part of the file)."""
    pending: bytes | None = None  # the logical line being read
    folded: list[bytes] | None = None  # its pieces, once a continuation line came
    size = pending_number = 0
    number = first_line
    in_comment = False
    limit = runtime.limits().value_bytes
    what = "LDIF export"
    for batch in runtime.line_batches(stream, path, what, limit, first_line=first_line):
        for raw in batch:
            number += 1
            line = raw[:-1] if raw[-1:] == b"\r" else raw
            if line[:1] == b" ":
                if pending is not None:
                    if folded is None:
                        folded, size = [pending], len(pending)
                    folded.append(line[1:])
                    size += len(line) - 1
                    if size > limit:
                        raise runtime.too_large(
                            at_line(path, pending_number), what, limit, value=True
                        )
                elif not in_comment:
                    raise _malformed(path, number, "a continuation line with nothing to continue")
                continue
            if pending is not None:
                yield pending_number, b"".join(folded) if folded is not None else pending
                pending = folded = None
            in_comment = False
            if not line:
                yield number, None
            elif line[:1] == b"#":
                in_comment = True
            else:
                pending = line
                pending_number = number
    if pending is not None:
        yield pending_number, b"".join(folded) if folded is not None else pending


def _split_line(line: bytes, path: Path, number: int) -> tuple[str, str | bytes]:
    """`name: text` -> (name, str); `name:: b64` -> (name, bytes); `name:< url` -> (name, _Url)."""
    colon = line.find(b":")
    if colon <= 0:
        raise _malformed(path, number, "a line without `attribute:`")
    try:
        name = line[:colon].decode("ascii").strip()
    except UnicodeDecodeError:
        raise _malformed(path, number, "an attribute name that is not ASCII") from None
    if not name or " " in name:
        raise _malformed(path, number, f"an invalid attribute name {name!r}")
    rest = line[colon + 1 :]
    if rest[:1] == b":":
        try:
            return name, base64.b64decode(rest[1:].strip(), validate=True)
        except (binascii.Error, ValueError):
            raise _malformed(path, number, f"invalid base64 in `{name}::`") from None
    if rest[:1] == b"<":
        return name, _Url(rest[1:].strip().decode("utf-8", "replace"))
    try:
        return name, rest.lstrip(b" ").decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed(path, number, f"the value of `{name}:` is not UTF-8 text") from None


def _text(value: str | bytes, path: Path, number: int) -> str:
    """A value that must be text (DN, changetype), decoding base64 forms as UTF-8."""
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed(path, number, "a base64 DN that is not UTF-8 text") from None
