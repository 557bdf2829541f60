"""A large LDIF export profiled in two halves at once: this process reads the first, a forked
child process the second, and each counts its own records; the child then hands over only its
counts (`LdifFile.profile_into`).

Passing every record from a reading child (`LdifFile.records` with a parallel plan) costs about
as much as reading them: the rows are serialised, read back and made records again. Here no
record crosses: the child sends what the statistics hold (the counts of distinct values, the
`ReadStats`, the attribute spellings it saw), so the memory and the bytes passed grow with the
distinct values, not with the records.

The result is exactly that of one process reading the file from its start:

- the file is cut just after a blank line that ends a block whose last line is an attribute
  line (neither a comment nor a continuation), near the middle: whatever came before,
  the reader is then between entries (`_BETWEEN`), with no line pending; the child starts
  there, numbering lines from the count of the lines before;
- attribute names are case-insensitive and a record spells each as the reader first saw it:
  the child's names are spelled again as this process spelled them (`rename`);
- counts are merged as if the child's records had been added after ours (values and fields
  first seen first), `ReadStats` the same way (skip reasons in first-seen order, the first
  five examples of each);
- an error in the second half (malformed LDIF, a value over the budget...) is raised once the
  first half was read without one, as one process would; if the child dies, this process
  reads the second half itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Protocol

from authprobe import runtime
from authprobe.model import ReadStats, Record

if TYPE_CHECKING:
    from authprobe.sources.directory_files.ldif import LdifFile

SHARE: Final = 0.5
"""Where the cut is looked for, as a share of the file (measured: both processes then end their
part together; the child also counts the lines before its part and passes its counts on, this
process updates the progress bar and summarises while the child sends)."""
SEARCH: Final = 4 * 1024 * 1024
"""How far past that point a place to cut the file is looked for."""
_BLANK = re.compile(rb"\n\r?\n")  # a line end, then a blank line (`\r` is dropped before `\n`)
_START, _BETWEEN = 0, 1  # ldif's reader states at the start, and between entries
Wrap = Callable[[Iterator[Record]], Iterator[Record]]
"""What the caller puts around this process's records (a progress bar)."""


class HalfSink(Protocol):
    """Where the records are counted (`analysis.profile.SourceProfiler` is one)."""

    def add(self, record: Record) -> None:
        """Count one record."""

    def summarise(self) -> None:
        """Work out now what can be of the counts alone (before `merge_state`)."""

    def state(self) -> Any:
        """What the counts hold, as plain data (`marshal` takes it)."""

    def merge_state(self, state: Any, rename: Callable[[str], str]) -> None:
        """Add counts given by `state()` of another sink, as if its records had been added
        here after ours, its field `name` counted as `rename(name)`."""


@dataclass(frozen=True, slots=True)
class Part:
    """The bytes `start` to `end` (None: the end of the file) of an LDIF file, which hold its
    lines after the first `first_line`; `start` is 0 or just after a blank line."""

    start: int
    end: int | None
    first_line: int

    @property
    def state(self) -> int:
        """The reader's state where the part starts."""
        return _START if self.start == 0 else _BETWEEN

    def fence(self, stream: IO[bytes]) -> IO[bytes]:
        """The part of `stream` (opened on the whole file) as a stream of its own."""
        return io.BufferedReader(_Fence(stream, self.start, self.end), buffer_size=256 * 1024)


class _Fence(io.RawIOBase):
    """The bytes `start` to `end` of a seekable stream, as a stream starting at 0."""

    def __init__(self, inner: IO[bytes], start: int, end: int | None) -> None:
        super().__init__()
        self._inner = inner
        self._start = start
        self._size = end - start if end is not None else None
        self._position = 0
        inner.seek(start)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._size is not None:
            view = view[: max(0, self._size - self._position)]
        if not view:
            return 0
        count = self._inner.readinto(view)  # type: ignore[attr-defined]
        self._position += count
        return int(count)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET:
            raise io.UnsupportedOperation("only absolute seeks")
        self._inner.seek(self._start + offset)
        self._position = offset
        return offset

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


def cut(path: Path, size: int) -> int | None:
    """Where the second half of the file starts (see the module), or None when no such place
    is within `SEARCH` bytes after `SHARE` of the file."""
    middle = int(size * SHARE)
    with path.open("rb") as file:
        file.seek(middle)
        window = file.read(SEARCH)
    for found in _BLANK.finditer(window):
        line_start = window.rfind(b"\n", 0, found.start()) + 1
        if line_start == 0:  # the line began before the window: unknown
            continue
        line = window[line_start : found.start()]
        if line not in (b"", b"\r") and line[:1] not in (b" ", b"#"):
            return middle + found.end()
    return None


def profile_halves(
    ldif: LdifFile, sink: HalfSink, new_sink: Callable[[], HalfSink], wrap: Wrap
) -> bool:
    """Count every record of `ldif` into `sink`, the second half in a forked child process
    (see the module); `ldif.stats`, `disabled` and `spelling` are then those of the whole file.
    False (nothing done) when the file has no place to cut it: the caller reads it whole."""
    try:
        size = ldif.path.stat().st_size
        middle = cut(ldif.path, size)
    except OSError:  # gone, unreadable: the reader says what is wrong
        return False
    if middle is None:
        return False

    def in_child() -> Iterator[list[Any]]:
        return _second_half(ldif, new_sink(), middle)

    child: runtime.ForkedBatches[Any, None] | None
    try:
        child = runtime.ForkedBatches(in_child, lambda: None, doing="reading the LDIF export")
    except OSError:
        child = None
    for record in wrap(ldif._sequential(Part(0, middle, 0))):
        sink.add(record)
    stats, disabled, spelling = ldif.stats, ldif.disabled, dict(ldif.spelling)
    sink.summarise()  # while the child ends its half
    batches = iter(child) if child is not None else None
    head = _head(batches)
    if batches is None or head is None:  # no child, or it died: this process reads it too
        batches = _second_half(ldif, new_sink(), middle)
        head = next(batches)[0]
    records, their_stats, their_disabled, their_spelling = head
    rename = _renamer(spelling)
    sink.merge_state((records, []), rename)
    for batch in batches:  # one field at a time: only one of the child's is held at once
        sink.merge_state((0, batch), rename)
    _merge_stats(stats, their_stats)
    for name, spelled in their_spelling.items():
        spelling.setdefault(name, spelled)
    ldif.stats, ldif.disabled, ldif.spelling = stats, disabled + their_disabled, spelling
    return True


def _head(batches: Iterator[list[Any]] | None) -> Any | None:
    """The child's first batch (its error raised here), or None when it died before it (a
    death after it is raised: part of its counts may be merged already)."""
    if batches is None:
        return None
    try:
        return next(batches)[0]
    except runtime.ChildFailed:
        return None


def _second_half(ldif: LdifFile, sink: HalfSink, start: int) -> Iterator[list[Any]]:
    """Count the records from byte `start` to the end into `sink`; then give the stats as plain
    data, the disabled accounts and the spellings (one batch), and each field's state."""
    part = Part(start, None, _lines_before(ldif.path, start))
    for record in ldif._sequential(part):
        sink.add(record)
    stats = ldif.stats
    plain_stats = (
        stats.records,
        dict(stats.skipped),
        stats.skipped_examples,
        dict(stats.withheld),
    )
    records, fields = sink.state()
    yield [(records, plain_stats, ldif.disabled, ldif.spelling)]
    for field in fields:
        yield [field]


def _lines_before(path: Path, offset: int) -> int:
    """The `\\n` in the first `offset` bytes of the file."""
    lines = 0
    with runtime.open_input(path, "LDIF export") as stream:
        left = offset
        while left > 0:
            block = stream.read(min(left, 1 << 20))
            if not block:
                break
            lines += block.count(b"\n")
            left -= len(block)
    return lines


def _renamer(spelling: dict[str, str]) -> Callable[[str], str]:
    """A field name of the child -> the name this process gives it: the attribute (before any
    `;option`) spelled as this process first saw it, if it did."""

    def rename(name: str) -> str:
        base, sep, rest = name.partition(";")
        spelled = spelling.get(base.lower())
        return name if spelled is None or spelled == base else spelled + sep + rest

    return rename


def _merge_stats(mine: ReadStats, theirs: tuple[Any, ...]) -> None:
    """Add the child's counts to `mine`, as if one reader had counted both, ours first."""
    records, skipped, examples, withheld = theirs
    mine.records += records
    mine.skipped.update(skipped)
    for reason, locations in examples.items():
        kept = mine.skipped_examples.setdefault(reason, [])
        kept.extend(locations[: max(0, 5 - len(kept))])
    mine.withheld.update(withheld)


def can_split(ldif: LdifFile) -> bool:
    """Whether `profile_halves` may be tried: a parallel plan, `os.fork`, a large file."""
    return ldif.plan.parallel and runtime.can_fork() and ldif._large()
