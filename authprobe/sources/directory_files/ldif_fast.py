"""The C fast path of the LDIF reader (`_ldif.c`), with `ldif.LdifFile._parse` as the reference.

`_ldif.Parser` does the byte work: it splits the stream (fed in 1 MiB blocks) into logical lines
(folding, comments, CR LF) and entries, and builds the attribute dict of every plain entry (a
`dn: text` line, then only `name: text` lines whose name the reference has already classified as
plain text, UTF-8 values) exactly as `ldif._add_plain` does, its values as tuples; Python then
only calls `EntryConverter.finish_frozen` (`finish` without the copy to tuples). Every other
entry (base64 or URL values, names not classified yet, `changetype`, `control`, `version`, the
`ldapsearch -L` trailer, invalid UTF-8, a malformed line) is handed back as its logical lines
with their numbers, and the reference reads it. What the reference would stop on while reading
lines (a line or value over the value budget, a continuation with nothing to continue), an entry
over the entry budget or a failing read makes the parser give up: the caller then reads the file
again with the reference from its start, skipping the records already given. The records, stats,
`disabled` and errors are the reference's on every input (tests/unit/test_ldif_fast.py).

`AUTHPROBE_PURE_LDIF=1` (or `FORCE_PURE = True`, or `AUTHPROBE_PURE_PYTHON=1`, which turns every
C path off) turns the fast path off; so does a missing build (no C compiler at install).
"""

from __future__ import annotations

import base64
import binascii
import gc
from collections.abc import Callable, Generator, Iterable
from typing import IO, TYPE_CHECKING, TypeVar

from authprobe import runtime
from authprobe.model import Record
from authprobe.runtime import native
from authprobe.sources.ldap import ad

if TYPE_CHECKING:
    from authprobe.sources.directory_files._ldif import Parser
    from authprobe.sources.directory_files.entries import EntryConverter


_MODULE = native.load("authprobe.sources.directory_files._ldif")
_PARSER: type[Parser] | None = None if _MODULE is None else _MODULE.Parser
BUILT = _PARSER is not None
"""Whether the C module was built at install."""
FORCE_PURE = False
"""Set by tests (and `AUTHPROBE_PURE_LDIF=1` or `AUTHPROBE_PURE_PYTHON=1`) to read with the Python
reference only."""
BLOCK = 1 << 20
"""Bytes fed to the parser at a time: at least what the reference reads at a time (256 KiB),
for a failing read (see `read`)."""
_T = TypeVar("_T")
_START, _BETWEEN = 0, 1  # ldif's reader states between entries

Lines = Iterable[tuple[int, bytes | None]]
Parse = Callable[
    [Lines, "EntryConverter", dict[bytes, str], int, int], Generator[Record, None, int]
]
"""`LdifFile._parse`: the reference reader of some logical lines."""


def enabled() -> bool:
    """Whether `LdifFile` may use the C parser."""
    return BUILT and not FORCE_PURE and not native.pure("AUTHPROBE_PURE_LDIF")


def read(
    stream: IO[bytes],
    converter: EntryConverter,
    parse: Parse,
    *,
    state: int = _START,
    first_line: int = 0,
) -> Generator[Record, None, int | None]:
    """The records of the stream as `parse` gives them; None when done, or the number of records
    given when the parser gave up: the caller reads the stream again from its start.

    `state`: the reader's state at the stream's start (`_BETWEEN` for a part of a file that
    starts after a blank line); `first_line`: the lines of the file before it.

    A block is parsed once the next one was read: a read that fails (the input budget, an I/O
    error) fails the reference too, at the same byte, having read all but less than 256 KiB
    before it (its chunks are at most that); so a record given here, which ends a block before
    the failing read, is one the reference gives before its error too. Each record is given as
    soon as it is made, so `converter.stats.records` is the number given.
    """
    stats = converter.stats
    if _PARSER is None:  # not built: the reference reads it all
        return 0
    limits = runtime.limits()
    plain: dict[bytes, str] = {}
    parser = _PARSER(plain, limits.value_bytes, limits.entry_bytes, _identifiers(converter))
    finish = converter.finish_frozen
    try:
        block = stream.read(BLOCK)
    except Exception:  # over the input budget, an I/O error: the reference reads it
        return stats.records  # again and fails at the same place, after the same records
    while True:
        try:
            following = stream.read(BLOCK) if block else b""
        except Exception:
            return stats.records
        items = _paused(parser.feed, block) if block else _paused(parser.close)
        while items is not None:
            for item in items:
                if isinstance(item, tuple):
                    state = _BETWEEN
                    record = finish(*item)
                    if record is not None:
                        yield record
                else:
                    if first_line:
                        item = [(number + first_line, line) for number, line in item]
                    state = yield from parse(item, converter, plain, state, limits.entry_bytes)
            if not parser.pending:
                break
            items = _paused(parser.more)  # the rest of the block, names now classified
        if items is None:
            return stats.records
        if not block:
            return None
        block = following


def _paused(call: Callable[..., _T], *args: object) -> _T:
    """`call(*args)` with the cyclic GC off: the parser makes thousands of dicts, lists and
    tuples at once, which form no cycles (passes over them cost about a quarter of a read)."""
    if not gc.isenabled():
        return call(*args)
    gc.disable()
    try:
        return call(*args)
    finally:
        gc.enable()


Identifiers = Callable[[bytes, bytes], list[tuple[str, str]] | None]


def _identifiers(converter: EntryConverter) -> Identifiers:
    """For the C parser: the `(key, text)` pairs that `_split_line` and `converter.add` add for
    `name:: base64` in an entry, or None when the reference must read that entry (a name not
    seen yet or not a binary identifier, bad base64, a wrong length: what it counts or raises).
    """
    known: dict[bytes, str] = {}

    def decode(raw_name: bytes, text: bytes) -> list[tuple[str, str]] | None:
        name = known.get(raw_name)
        if name is None:
            name = _identifier_name(converter, raw_name)
            if name is None:  # may be seen later: not remembered
                return None
            known[raw_name] = name
        try:
            return ad.decode_identifier(name, base64.b64decode(text.strip(), validate=True))
        except (binascii.Error, ValueError):  # ad.BinaryValueError is a ValueError
            return None

    return decode


def _identifier_name(converter: EntryConverter, raw_name: bytes) -> str | None:
    """The spelling `converter.add` uses for `raw_name` when its values are binary identifiers
    and the name was seen already (so `spell` records nothing new), else None."""
    try:
        attribute = raw_name.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if not attribute or " " in attribute or attribute.lower() in ("control", "changetype"):
        return None
    name = converter.spelled(attribute)
    if name is None or ad.is_secret(name) or not ad.is_binary_identifier(name):
        return None
    return name
